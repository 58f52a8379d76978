"""Object store: containers, blobs, blocks, leases, tiers, snapshots, copies and tags, with the Azure Blob REST
front end."""
