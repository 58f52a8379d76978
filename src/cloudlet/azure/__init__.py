"""Azure protocol plumbing shared by Azure front ends: accounts, SharedKey, SAS, error XML, common headers."""
