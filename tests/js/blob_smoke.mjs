// Smoke test: @azure/storage-blob against Cloudlet with the Azurite-style connection string.
// Usage: CLOUDLET_BLOB_URL=http://127.0.0.1:10000 node blob_smoke.mjs   (exit code 0 = pass)
import assert from "node:assert/strict";
import {
  BlobServiceClient, BlobSASPermissions, StorageSharedKeyCredential, generateBlobSASQueryParameters,
} from "@azure/storage-blob";

const base = process.env.CLOUDLET_BLOB_URL ?? "http://127.0.0.1:10000";
const account = "devstoreaccount1";
const key = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
const conn = `DefaultEndpointsProtocol=http;AccountName=${account};AccountKey=${key};BlobEndpoint=${base}/${account};`;

const service = BlobServiceClient.fromConnectionString(conn);
const name = `js-${Date.now()}`;
const container = service.getContainerClient(name);
await container.create({ metadata: { from: "js" } });

// put and get, with metadata and content type
const text = "hello from javascript";
const blob = container.getBlockBlobClient("dir/hello.txt");
await blob.upload(text, Buffer.byteLength(text), {
  metadata: { lang: "js" }, blobHTTPHeaders: { blobContentType: "text/plain" },
});
const props = await blob.getProperties();
assert.equal(props.contentType, "text/plain");
assert.deepEqual(props.metadata, { lang: "js" });
assert.equal((await blob.downloadToBuffer()).toString(), text);
assert.equal((await blob.downloadToBuffer(6, 4)).toString(), "from");

// a chunked upload: blocks of 64 KiB, 4 in parallel
const big = Buffer.alloc(1024 * 1024 + 17);
for (let i = 0; i < big.length; i++) big[i] = (i * 7) % 251;
const bigBlob = container.getBlockBlobClient("big.bin");
await bigBlob.uploadData(big, { blockSize: 64 * 1024, maxSingleShotSize: 64 * 1024, concurrency: 4 });
const blocks = await bigBlob.getBlockList("committed");
assert.equal(blocks.committedBlocks.length, 17);
assert.ok(Buffer.compare(await bigBlob.downloadToBuffer(), big) === 0);

// listing with a delimiter
const names = [];
for await (const item of container.listBlobsByHierarchy("/")) names.push(item.kind === "prefix" ? item.name : item.name);
assert.deepEqual(names.sort(), ["big.bin", "dir/"]);

// a read-only SAS works for reading and is refused for writing
const sas = generateBlobSASQueryParameters({
  containerName: name, blobName: "dir/hello.txt", permissions: BlobSASPermissions.parse("r"),
  expiresOn: new Date(Date.now() + 3600_000),
}, new StorageSharedKeyCredential(account, key)).toString();
const viaSas = new BlobServiceClient(`${base}/${account}?${sas}`).getContainerClient(name)
  .getBlockBlobClient("dir/hello.txt");
assert.equal((await viaSas.downloadToBuffer()).toString(), text);
await assert.rejects(viaSas.upload("x", 1), (err) => err.statusCode === 403
  && err.details.errorCode === "AuthorizationPermissionMismatch");

// errors carry Azure's codes
await assert.rejects(container.getBlobClient("missing").download(), (err) => err.statusCode === 404
  && err.details.errorCode === "BlobNotFound");

await container.delete();
console.log("js smoke test passed");
