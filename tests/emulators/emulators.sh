#!/usr/bin/env bash
# Local cloud-storage emulators for the integration tests, all bound to 127.0.0.1:
#   s3     @20minutes/s3rver (a maintained s3rver fork) with small fixes applied in place for the AWS SDK
#          for .NET v4 (see patch.js below); it verifies SigV4 signatures and presigned-URL expiry
#   azure  azurite (blob service only, in memory)
#   gcs    firebase-tools' Cloud Storage emulator (JSON API)
# Each is installed from the npm registry at an exact pinned version into $EMULATOR_HOME
# (default: ~/.cache/cloudstorage-emulators, outside the repository); nothing else is downloaded.
#
# Usage: emulators.sh start|stop|env|status [s3] [azure] [gcs]      (no names: all three)
#   start   install what is missing, start the named emulators that are not running, wait until each
#           answers, record their PIDs; quiet on success, non-zero with a message on failure
#   stop    stop exactly the recorded PIDs
#   env     print `export` lines: endpoints and the well-known development credentials
#   status  print one line per emulator
#
# Ports: S3_EMULATOR_PORT (default 4568), AZURITE_BLOB_PORT (10000), GCS_EMULATOR_PORT (9199);
# a port of 0 picks a free one (read it back with `env`).
# State (PIDs, logs, data) lives in $EMULATOR_STATE_DIR (default: $EMULATOR_HOME), so that several
# independent runs (two test runs, a developer's shell) can share one installation without sharing
# processes. Data is wiped whenever an emulator is (re)started, so every start gives empty stores.
# With EMULATOR_OWNER_PID set, `start` also leaves a watchdog that stops the emulators it started once that
# process has exited (the test fixture passes its own PID).
#
# Requires Node.js >= 20 and npm.
set -euo pipefail

S3RVER_PKG=@20minutes/s3rver
S3RVER_VERSION=4.0.4
AZURITE_VERSION=3.35.0
FIREBASE_TOOLS_VERSION=15.34.2

HOST=127.0.0.1
S3_PORT=${S3_EMULATOR_PORT:-4568}
AZ_PORT=${AZURITE_BLOB_PORT:-10000}
GCS_PORT=${GCS_EMULATOR_PORT:-9199}
S3_BUCKET=${S3_EMULATOR_BUCKET:-test-bucket}
AZ_CONTAINER=${AZURITE_CONTAINER:-test-container}
GCS_BUCKET=${GCS_EMULATOR_BUCKET:-test-bucket}
GCS_PROJECT=${GCS_EMULATOR_PROJECT:-demo-test}
READY_TIMEOUT=${EMULATOR_READY_TIMEOUT:-90}
AZ_MEMORY_MB=${AZURITE_EXTENT_MEMORY_MB:-2048}

# Well-known development credentials of the emulators (not secrets).
S3_ACCESS_KEY=S3RVER
S3_SECRET_KEY=S3RVER
AZ_ACCOUNT=devstoreaccount1
AZ_KEY='Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=='

EMULATOR_HOME=${EMULATOR_HOME:-"${XDG_CACHE_HOME:-$HOME/.cache}/cloudstorage-emulators"}
EMULATOR_STATE_DIR=${EMULATOR_STATE_DIR:-$EMULATOR_HOME}
SCRIPT_PATH="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/$(basename "${BASH_SOURCE[0]}")"

die() {
  echo "emulators.sh: ERROR: $*" >&2
  exit 1
}

log_tail() { # file
  if [ -f "$1" ]; then
    echo "---- last lines of $1 ----" >&2
    tail -n 25 "$1" >&2 || true
    echo "----" >&2
  fi
}

need_node() {
  command -v node >/dev/null 2>&1 || die "node is not installed (Node.js >= 20 is required)"
  command -v npm >/dev/null 2>&1 || die "npm is not installed"
  local major
  major=$(node -p 'process.versions.node.split(".")[0]')
  [ "$major" -ge 20 ] || die "Node.js >= 20 is required, found $(node --version)"
}

# Absolute paths for the installation and the state of this run; creates them unless asked not to.
set_paths() { # [create]
  if [ "${1:-}" = create ]; then
    mkdir -p "$EMULATOR_HOME" "$EMULATOR_STATE_DIR"
    # The cache is large (about 450 MB with all three); keep it out of version control.
    [ -f "$EMULATOR_HOME/.gitignore" ] || echo '*' > "$EMULATOR_HOME/.gitignore"
  fi
  [ -d "$EMULATOR_HOME" ] && EMULATOR_HOME=$(cd "$EMULATOR_HOME" && pwd)
  [ -d "$EMULATOR_STATE_DIR" ] && EMULATOR_STATE_DIR=$(cd "$EMULATOR_STATE_DIR" && pwd)
  RUN_DIR="$EMULATOR_STATE_DIR/run"
  LOG_DIR="$EMULATOR_STATE_DIR/logs"
  DATA_DIR="$EMULATOR_STATE_DIR/data"
  PID_FILE="$RUN_DIR/pids"
  if [ "${1:-}" = create ]; then mkdir -p "$RUN_DIR" "$LOG_DIR" "$DATA_DIR" "$EMULATOR_HOME/logs"; fi
}

# The emulators named on the command line (s3 azure gcs), as process names (s3rver azurite gcs).
SELECTED=()
select_emulators() {
  local arg
  [ "$#" -gt 0 ] || set -- s3 azure gcs
  for arg in "$@"; do
    case "$arg" in
      s3 | s3rver) SELECTED+=(s3rver) ;;
      azure | azurite) SELECTED+=(azurite) ;;
      gcs) SELECTED+=(gcs) ;;
      *) die "unknown emulator '$arg' (use s3, azure, gcs)" ;;
    esac
  done
}

selected() { # name
  local n
  for n in "${SELECTED[@]}"; do [ "$n" = "$1" ] && return 0; done
  return 1
}

# ---------------------------------------------------------------- installation

installed_version() { # dir package
  node -e 'try { console.log(require(require("path").join(process.argv[1], "node_modules", process.argv[2], "package.json")).version) } catch { console.log("") }' "$1" "$2"
}

npm_install() { # dir package version
  local dir=$1 pkg=$2 version=$3 name
  name=$(basename "$dir")
  mkdir -p "$dir"
  [ -f "$dir/package.json" ] || echo '{ "name": "emulator-'"$name"'", "private": true }' > "$dir/package.json"
  (cd "$dir" && npm install --no-audit --no-fund --ignore-scripts --loglevel=error "$pkg@$version") \
    > "$EMULATOR_HOME/logs/npm-$name.log" 2>&1
}

ensure_installed() {
  # One installer at a time: parallel test runs share the cache.
  exec 9>"$EMULATOR_HOME/.install.lock"
  flock 9 || die "could not lock $EMULATOR_HOME/.install.lock"
  local -a names=() pids=()
  local name dir pkg version
  while read -r name pkg version; do
    selected "$name" || continue
    dir="$EMULATOR_HOME/$name"
    if [ "$(installed_version "$dir" "$pkg")" != "$version" ]; then
      npm_install "$dir" "$pkg" "$version" &
      names+=("$name:$pkg@$version")
      pids+=($!)
    fi
  done <<EOF
s3rver $S3RVER_PKG $S3RVER_VERSION
azurite azurite $AZURITE_VERSION
gcs firebase-tools $FIREBASE_TOOLS_VERSION
EOF
  local i failed=0
  for i in "${!pids[@]}"; do
    if ! wait "${pids[$i]}"; then
      name=${names[$i]%%:*}
      echo "emulators.sh: ERROR: npm install ${names[$i]#*:} failed" >&2
      log_tail "$EMULATOR_HOME/logs/npm-$name.log"
      failed=1
    fi
  done
  [ "$failed" -eq 0 ] || die "installation failed (is the npm registry reachable?)"
  local n
  for n in s3rver azurite gcs; do mkdir -p "$EMULATOR_HOME/$n"; done
  write_helpers
  if selected s3rver; then patch_s3rver; fi
  flock -u 9
}

# patch.js applies its patches to the package as npm installed it. The installation records which patch.js it
# got (a hash); when this script brings a different patch.js, the package is installed afresh before patching,
# so an older patch set never lingers and no anchor is missing.
patch_s3rver() {
  local dir="$EMULATOR_HOME/s3rver" want
  want=$(sha256sum "$dir/patch.js" | cut -d' ' -f1)
  [ "$(cat "$dir/.patched" 2>/dev/null)" = "$want" ] && return 0
  if [ -f "$dir/.patched" ] || grep -rqs -- '// patched' "$dir/node_modules/$S3RVER_PKG/lib"; then
    rm -rf "${dir:?}/node_modules/$S3RVER_PKG"
    if ! npm_install "$dir" "$S3RVER_PKG" "$S3RVER_VERSION"; then
      log_tail "$EMULATOR_HOME/logs/npm-s3rver.log"
      die "npm install $S3RVER_PKG@$S3RVER_VERSION failed (is the npm registry reachable?)"
    fi
  fi
  node "$dir/patch.js" "$dir" || die "could not patch $S3RVER_PKG $S3RVER_VERSION"
  echo "$want" > "$dir/.patched"
}

write_helpers() {
  # s3rver's command line, started through node so that no bin link is needed
  # (the fork's package has no bin file).
  cat > "$EMULATOR_HOME/s3rver/run.js" <<'EOF'
'use strict';
require('@20minutes/s3rver/lib/cli.js').parseAsync(process.argv);
EOF

  # Small compatibility fixes for @20minutes/s3rver 4.0.4 with the AWS SDK for .NET v4.
  # Idempotent; fails when an anchor is missing (i.e. the package changed).
  cat > "$EMULATOR_HOME/s3rver/patch.js" <<'EOF'
'use strict';
const fs = require('fs');
const path = require('path');
const root = path.dirname(require.resolve('@20minutes/s3rver/package.json', { paths: [process.argv[2]] }));
const lib = path.join(root, 'lib');
const patches = [
  // SigV4: bucket-level requests (GET /bucket/?list-type=2, POST /bucket/?delete, PUT /bucket/) are signed
  // with the trailing slash; without it every such request fails with SignatureDoesNotMatch.
  ['middleware/authentication.js',
    "    canonicalizedResource = canonicalizedResource\n      .split('/')",
    "    if (ctx.path.length > 1 && ctx.path.endsWith('/') && !ctx.params.key) canonicalizedResource += '/'; // patched\n    canonicalizedResource = canonicalizedResource\n      .split('/')"],
  // Anonymous requests were served; like a private bucket on S3 they are now refused (403 AccessDenied).
  ['middleware/authentication.js',
    "    if (mechanismCount === 0) {\n      return next();\n    }",
    "    if (mechanismCount === 0) { // patched: no anonymous access\n      throw new S3Error('AccessDenied', 'Access Denied');\n    }"],
  // CopyObject / UploadPartCopy: the SDK percent-encodes the slashes of x-amz-copy-source.
  ['controllers/object.js',
    "decodeURI(ctx.headers['x-amz-copy-source'])",
    "decodeURIComponent(ctx.headers['x-amz-copy-source'] /* patched */)", true],
  // Suffix ranges (Range: bytes=-N) returned the first bytes instead of the last N.
  ['controllers/object.js',
    "    options.start = Number(start);\n    if (end) options.end = Number(end);",
    "    if (start === '' && end) options.suffix = Number(end); // patched\n    else { options.start = Number(start); if (end) options.end = Number(end); }"],
  ['stores/filesystem.js',
    "        end: Math.min((options && options.end) || Infinity, lastByte),\n      };\n",
    "        end: Math.min((options && options.end) || Infinity, lastByte),\n      };\n      if (options && options.suffix !== undefined) { range.start = options.start = Math.max(0, lastByte + 1 - options.suffix); range.end = lastByte; } // patched\n"],
  // AbortMultipartUpload (DELETE /bucket/key?uploadId=...) answered 405 MethodNotAllowed.
  ['routes.js',
    "        return objectCtrl.deleteObject(ctx);\n      case 'tagging':",
    "        return objectCtrl.deleteObject(ctx);\n      case 'uploadId': { // patched: AbortMultipartUpload\n        const id = String(ctx.query.uploadId || '');\n        if (/^[0-9a-f]+$/i.test(id)) require('fs').rmSync(require('path').join(ctx.store.getResourcePath(ctx.params.bucket, undefined, 'uploads'), id), { recursive: true, force: true });\n        ctx.status = 204;\n        return;\n      }\n      case 'tagging':"],
  // XML responses escaped entities twice (a key "a&b" was listed as "a&amp;b").
  ['s3rver.js',
    "        attributesGroupName: '@',\n        tagValueProcessor: (tagName, a) => {",
    "        attributesGroupName: '@',\n        processEntities: false, // patched\n        tagValueProcessor: (tagName, a) => {"],
  // aws-chunked bodies with trailing checksums (STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER), which the
  // AWS SDK v4 sends by default over http; the trailer lines are skipped, not verified.
  ['signature/v4.js',
    "/^(UNSIGNED-PAYLOAD|STREAMING-AWS4-HMAC-SHA256-PAYLOAD|[0-9A-Fa-f]{64})$/",
    "/^(UNSIGNED-PAYLOAD|STREAMING-AWS4-HMAC-SHA256-PAYLOAD|STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER|[0-9A-Fa-f]{64})$/ /* patched */"],
  ['signature/v4.js',
    "  constructor(expectedContentLength) {\n    super();\n",
    "  constructor(expectedContentLength, trailer) {\n    super();\n    this.trailer = trailer; // patched\n"],
  ['signature/v4.js',
    "      do {\n        if (this.chunkDecoderState.header) {",
    "      do {\n        if (this.trailer && this.chunkDecoderState.size === 0 && this.chunkDecoderState.header) { i = chunk.length; break; } // patched: skip trailer lines\n        if (this.chunkDecoderState.header) {"],
  ['signature/v4.js',
    "    ctx.header['x-amz-content-sha256'] === 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD'\n      ? ctx.req.pipe(\n          new AwsChunkedTransform(\n            parseInt(ctx.get('X-Amz-Decoded-Content-Length')),\n          ),",
    "    String(ctx.header['x-amz-content-sha256']).startsWith('STREAMING-AWS4-HMAC-SHA256-PAYLOAD') // patched\n      ? ctx.req.pipe(\n          new AwsChunkedTransform(\n            parseInt(ctx.get('X-Amz-Decoded-Content-Length')),\n            ctx.header['x-amz-content-sha256'].endsWith('-TRAILER'),\n          ),"],
  // ---- added by this project (tests/emulators) to make the emulator behave like S3 where our tests need it ----
  // Writes land in a temporary file renamed into place: a reader keeps the version it opened, and a failed upload
  // leaves the previous object (S3 is atomic per object). The commit (metadata and ETag files, rename, tags) runs
  // under a per-key lock, as do deletes, copies onto the key and a reader's look-up of metadata and content: the
  // content, the ETag and the metadata are always those of one upload, however many writers race on the key.
  ['stores/filesystem.js',
    "  async putObject(object) {\n",
    "  async putObject(object, etag) { // patched: etag given for a multipart upload\n"],
  ['stores/filesystem.js',
    "    await ensureDir(path.dirname(objectPath));\n    const [size, md5] = await this.putContent(objectPath, object.content);\n    await this.putMetadata(object.bucket, object.key, object.metadata, md5);\n    return { size, md5 };",
    String.raw`    await ensureDir(path.dirname(objectPath));
    // patched: temporary file, then a commit under the key's lock; tags sent with the upload replace the object's tags
    const tmpPath = objectPath + '.' + crypto.randomBytes(8).toString('hex') + '.tmp';
    let size, md5;
    try {
      [size, md5] = await this.putContent(tmpPath, object.content);
      if (etag) md5 = etag;
      await this.withKeyLock(object.bucket, object.key, async () => {
        await this.putMetadata(object.bucket, object.key, object.metadata, md5);
        await fs.rename(tmpPath, objectPath);
        await this.putTagging(object);
      });
    } catch (err) {
      await fs.rm(tmpPath, { force: true });
      throw err;
    }
    return { size, md5 };`],
  ['stores/filesystem.js',
    "        writeStream.end(content);\n        md5Context.update(content);\n        resolve([content.length, md5Context.digest('hex')]);",
    "        md5Context.update(content);\n        const digest = md5Context.digest('hex'); // patched: resolve once written\n        writeStream.on('error', reject);\n        writeStream.end(content, () => resolve([content.length, digest]));"],
  ['stores/filesystem.js',
    "  async copyObject(\n",
    String.raw`  async putTagging(object) { // patched: x-amz-tagging on PutObject / CreateMultipartUpload
    const taggingPath = this.getResourcePath(object.bucket, object.key, 'tagging.xml');
    if (!object.tagging) return fs.rm(taggingPath, { force: true });
    const esc = (s) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
    const tags = [...new URLSearchParams(object.tagging)]
      .map(([k, v]) => '<Tag><Key>' + esc(k) + '</Key><Value>' + esc(v) + '</Value></Tag>').join('');
    await fs.writeFile(taggingPath, '<Tagging><TagSet>' + tags + '</TagSet></Tagging>');
  }

  // patched: runs fn after every earlier fn of the same key has settled (a promise chain per key)
  withKeyLock(bucket, key, fn) {
    const locks = this.keyLocks || (this.keyLocks = new Map());
    const id = bucket + '\0' + key;
    const run = (locks.get(id) || Promise.resolve()).then(() => fn());
    const tail = run.catch(() => {});
    locks.set(id, tail);
    tail.then(() => { if (locks.get(id) === tail) locks.delete(id); });
    return run;
  }

  async getObject(bucket, key, options) { // patched: metadata and content of one version
    return this.withKeyLock(bucket, key, () => this.getObjectUnlocked(bucket, key, options));
  }

  async deleteObject(bucket, key) { // patched: not in the middle of a commit
    return this.withKeyLock(bucket, key, () => this.deleteObjectUnlocked(bucket, key));
  }

  async copyObject(...args) { // patched: under the destination key's lock
    return this.withKeyLock(args[2], args[3], () => this.copyObjectUnlocked(...args));
  }

  async copyObjectUnlocked(
`],
  ['stores/filesystem.js',
    "  async getObject(bucket, key, options) {\n    try {\n",
    "  async getObjectUnlocked(bucket, key, options) {\n    try {\n"],
  ['stores/filesystem.js',
    "  async deleteObject(bucket, key) {\n    await Promise.all(\n",
    "  async deleteObjectUnlocked(bucket, key) {\n    await Promise.all(\n"],
  // Deleting a key removed its directories when they looked empty with rm -r, which also deleted files that a
  // concurrent upload or delete of a sibling key had just created there (or failed on a directory already gone).
  ['stores/filesystem.js',
    "    while (\n      parts.length &&\n      !readdirSync(path.join(bucketPath, ...parts)).length\n    ) {\n      await fs.rm(path.join(bucketPath, ...parts), { recursive: true });\n      parts.pop();\n    }",
    "    while (parts.length) { // patched: rmdir refuses a directory that is not empty\n      try {\n        await fs.rmdir(path.join(bucketPath, ...parts));\n      } catch (err) {\n        if (err.code === 'ENOTEMPTY' || err.code === 'EEXIST') break;\n        if (err.code !== 'ENOENT') throw err;\n      }\n      parts.pop();\n    }"],
  ['models/object.js',
    "    this.content = content;\n",
    "    this.content = content;\n    this.tagging = metadata ? metadata['x-amz-tagging'] : undefined; // patched\n"],
  ['stores/filesystem.js',
    "        this.getResourcePath(bucket, key, 'metadata.json'),\n      ].map((filePath) =>",
    "        this.getResourcePath(bucket, key, 'metadata.json'),\n        this.getResourcePath(bucket, key, 'tagging.xml'), // patched\n      ].map((filePath) =>"],
  // CompleteMultipartUpload: an S3-style ETag (MD5 of the parts' MD5s, '-', part count), which is not the
  // object's MD5, so clients are tested against the real distinction.
  ['stores/filesystem.js',
    "    const result = await this.putObject(object);\n    await fs.rm(uploadDir, { recursive: true });\n    return result;",
    String.raw`    // patched: S3-style multipart ETag, committed together with the object
    const partMd5s = await Promise.all(sortBy(parts, (part) => part.number).map((part) =>
      fs.readFile(path.join(uploadDir, part.number + '.md5')).then((b) => Buffer.from(b.toString(), 'hex'))));
    const etag = crypto.createHash('md5').update(Buffer.concat(partMd5s)).digest('hex') + '-' + parts.length;
    const result = await this.putObject(object, etag);
    await fs.rm(uploadDir, { recursive: true });
    return result;`],
  // ListObjects(V2): keys in UTF-8 byte order (the walk gave directory order, so "a/x" came before "a-b"),
  // and a common prefix counts as one entry of a page, so pages neither repeat nor skip entries.
  ['stores/filesystem.js',
    "  async listObjects(bucket, options) {\n",
    String.raw`  async listObjects(bucket, options) { // patched: S3 order and paging
    const { delimiter = '', startAfter = '', prefix = '', maxKeys = Infinity } = options;
    const bucketPath = this.getBucketPath(bucket);
    const prefixPath = [bucketPath, FilesystemStore.encodeKeyPath(prefix)].join('/');
    const objectSuffix = format(S3RVER_SUFFIX, '', 'object');
    const keys = [];
    for (const keyPath of walk(bucketPath, (dir) => dir.startsWith(prefixPath) || prefixPath.startsWith(dir))) {
      if (!keyPath.endsWith(objectSuffix)) continue;
      const key = FilesystemStore.decodeKeyPath(keyPath.slice(bucketPath.length + 1, -objectSuffix.length));
      if (key.startsWith(prefix)) keys.push(Buffer.from(key, 'utf8'));
    }
    keys.sort(Buffer.compare);
    const after = Buffer.from(startAfter || '', 'utf8');
    const entries = [];
    let isTruncated = false;
    for (const raw of keys) {
      const key = raw.toString('utf8');
      let entry = key;
      let isPrefix = false;
      const idx = delimiter ? key.indexOf(delimiter, prefix.length) : -1;
      if (idx !== -1) {
        entry = key.slice(0, idx + delimiter.length);
        isPrefix = true;
      }
      if (startAfter && Buffer.compare(Buffer.from(entry, 'utf8'), after) <= 0) continue;
      if (entries.length && entries[entries.length - 1].entry === entry) continue;
      if (entries.length >= maxKeys) {
        isTruncated = true;
        break;
      }
      entries.push({ entry, isPrefix });
    }
    const objectKeys = entries.filter((e) => !e.isPrefix).map((e) => e.entry);
    const metadataArr = await Promise.all(objectKeys.map((key) =>
      this.getMetadata(bucket, key).catch((err) => {
        if (err.code === 'ENOENT') return undefined;
        throw err;
      })));
    return {
      objects: zip(objectKeys, metadataArr)
        .filter(([, metadata]) => metadata !== undefined)
        .map(([key, metadata]) => new S3Object(bucket, key, null, metadata)),
      commonPrefixes: entries.filter((e) => e.isPrefix).map((e) => e.entry),
      isTruncated,
      nextStartAfter: isTruncated ? entries[entries.length - 1].entry : undefined,
    };
  }

  async listObjectsUnpatched(bucket, options) {
`],
  ['controllers/bucket.js',
    "                    result.objects[result.objects.length - 1].key,\n",
    "                    result.nextStartAfter !== undefined ? result.nextStartAfter : result.objects[result.objects.length - 1].key, // patched\n"],
  ['controllers/bucket.js',
    "              KeyCount: result.objects.length,\n",
    "              KeyCount: result.objects.length + result.commonPrefixes.length, // patched\n"],
  // ListMultipartUploads (GET /bucket?uploads) answered NotImplemented; one page of every upload in progress.
  ['routes.js',
    "      case 'tagging':\n      case 'uploads':\n      case 'versioning':\n",
    String.raw`      case 'uploads': { // patched: ListMultipartUploads
        const fs = require('fs');
        const path = require('path');
        const dir = ctx.store.getResourcePath(ctx.params.bucket, undefined, 'uploads');
        const prefix = String(ctx.query.prefix || '');
        const ids = fs.existsSync(dir) ? fs.readdirSync(dir).filter((id) => fs.existsSync(path.join(dir, id, 'key'))) : [];
        const uploads = ids
          .map((id) => ({ Key: fs.readFileSync(path.join(dir, id, 'key'), 'utf8'), UploadId: id, Initiated: fs.statSync(path.join(dir, id)).mtime.toISOString(), StorageClass: 'STANDARD' }))
          .filter((u) => u.Key.startsWith(prefix));
        ctx.body = { ListMultipartUploadsResult: { '@': { xmlns: 'http://s3.amazonaws.com/doc/2006-03-01/' }, Bucket: ctx.params.bucket, KeyMarker: '', UploadIdMarker: '', MaxUploads: 1000, IsTruncated: false, Upload: uploads } };
        return;
      }
      case 'tagging':
      case 'versioning':
`],
  // DeleteObjects in Quiet mode listed every deleted key; S3 answers only the keys it could not delete.
  ['controllers/object.js',
    "      Deleted: keys.map((k) => ({ Key: k })),\n",
    "      Deleted: String(ctx.request.body.Delete.Quiet) === 'true' ? [] : keys.map((k) => ({ Key: k })), // patched\n"],
  // CopyObject with MetadataDirective REPLACE onto another key kept the destination's old ETag.
  ['stores/filesystem.js',
    "    if (replacementMetadata) {\n      await this.putMetadata(destBucket, destKey, replacementMetadata);",
    "    if (replacementMetadata) {\n      if (srcObjectPath !== destObjectPath) await fs.copyFile(this.getResourcePath(srcBucket, srcKey, 'object.md5'), this.getResourcePath(destBucket, destKey, 'object.md5')); // patched\n      await this.putMetadata(destBucket, destKey, replacementMetadata);"],
];
for (const [file, from, to, all] of patches) {
  const p = path.join(lib, file);
  const src = fs.readFileSync(p, 'utf8');
  if (src.includes(to)) continue;
  if (!src.includes(from)) {
    console.error(`s3rver patch: anchor not found in ${p}:\n${from}`);
    process.exit(1);
  }
  fs.writeFileSync(p, all ? src.split(from).join(to) : src.replace(from, () => to));
}
EOF

  # Creates one blob container with SharedKey authentication (201 or 409 both mean it exists).
  cat > "$EMULATOR_HOME/azurite/create-container.js" <<'EOF'
'use strict';
const crypto = require('crypto');
const http = require('http');
const [endpoint, account, keyB64, container] = process.argv.slice(2);
const url = new URL(`${endpoint}/${container}?restype=container`);
const headers = { 'x-ms-date': new Date().toUTCString(), 'x-ms-version': '2025-11-05' };
const canonicalHeaders = Object.keys(headers).sort().map((h) => `${h}:${headers[h]}\n`).join('');
const stringToSign = ['PUT', '', '', '', '', '', '', '', '', '', '', ''].join('\n') + '\n' + canonicalHeaders +
  `/${account}${url.pathname}\nrestype:container`;
const sig = crypto.createHmac('sha256', Buffer.from(keyB64, 'base64')).update(stringToSign, 'utf8').digest('base64');
const req = http.request(url, { method: 'PUT', headers: { ...headers, Authorization: `SharedKey ${account}:${sig}`, 'Content-Length': 0 }, timeout: 5000 }, (res) => {
  res.resume();
  if (res.statusCode === 201 || res.statusCode === 409) process.exit(0);
  console.error(`create container ${container}: HTTP ${res.statusCode} ${res.headers['x-ms-error-code'] || ''}`);
  process.exit(2);
});
req.on('timeout', () => req.destroy(new Error('timeout')));
req.on('error', (e) => { console.error(`create container ${container}: ${e.message}`); process.exit(1); });
req.end();
EOF

  # The Cloud Storage emulator of firebase-tools, run without its Java security-rules runtime
  # (firebase-tools would download that runtime and wants Java 21). Only the GCS JSON API is
  # served (authorization headers are accepted, not checked); the Firebase /v0 API answers 403.
  # Front-end adaptations, made here without changing firebase-tools:
  #  * /storage/v1/b/... also reaches the emulator's /b/... routes, so PATCH, copyTo, rewriteTo and
  #    the bucket list work under the real JSON API path;
  #  * resumable uploads may come in several chunks (Content-Range, 308 replies with Range); a status
#    query (Content-Range: bytes */...) on a session already finalized answers 200 with the object, as
#    GCS does (the emulator answered 400), so a client whose last answer was lost learns it is done;
  #  * PUT and DELETE on /BUCKET/OBJECT (the form of V4 signed URLs) map onto the JSON API;
  #    signed-URL parameters are accepted, not verified;
  #  * objects.list as GCS does it: names in UTF-8 byte order (the emulator compared UTF-16 code
  #    units), objects and prefixes paged together with maxResults counting both and an opaque
  #    page token (the emulator paged objects only and repeated every prefix on every page);
  #  * the storageClass given at upload or in a rewrite body is kept (the emulator stored STANDARD);
  #  * every write gets a new generation and ETag (the emulator's were equal within one millisecond).
  # The launcher's file name changes with its content (-3), so that an older copy of this script sharing
  # the installation cannot swap it under a newer one.
  cat > "$EMULATOR_HOME/gcs/gcs-emulator-3.js" <<'EOF'
'use strict';
const http = require('http');
const host = process.env.GCS_HOST || '127.0.0.1';
const port = Number(process.env.GCS_PORT || 9199);
const projectId = process.env.GCS_PROJECT || 'demo-test';
const { StorageEmulator } = require('firebase-tools/lib/emulator/storage');
const { createApp } = require('firebase-tools/lib/emulator/storage/server');
const { EmulatorRegistry } = require('firebase-tools/lib/emulator/registry');
const { StorageLayer } = require('firebase-tools/lib/emulator/storage/files');
const { CloudStorageObjectMetadata } = require('firebase-tools/lib/emulator/storage/metadata');

// GCS gives every write a new generation and ETag; the emulator used Date.now(), the same for two writes in
// one millisecond.
let lastGeneration = 0;
function freshGeneration(md) {
  const g = Math.max(Date.now() * 1000, lastGeneration + 1);
  lastGeneration = g;
  md.generation = g;
  md.etag = Buffer.from(`${g}/${md.metageneration}`).toString('base64');
}
const uploadObject = StorageLayer.prototype.uploadObject;
StorageLayer.prototype.uploadObject = async function (upload) {
  const md = await uploadObject.call(this, upload);
  freshGeneration(md);
  const sc = upload.metadata && upload.metadata.storageClass;
  if (typeof sc === 'string' && sc) md.storageClass = sc.toUpperCase();
  return md;
};
const copyObject = StorageLayer.prototype.copyObject;
StorageLayer.prototype.copyObject = function (request) {
  const md = copyObject.call(this, request);
  freshGeneration(md);
  const sc = request.incomingMetadata && request.incomingMetadata.storageClass;
  if (typeof sc === 'string' && sc) md.storageClass = sc.toUpperCase();
  return md;
};

StorageLayer.prototype.listObjects = async function listObjects(request) {
  const { bucketId, prefix, delimiter, pageToken } = request;
  const entries = new Map();
  for (const [, file] of this._files) {
    const md = file.metadata;
    if (md.bucket !== bucketId || !md.name.startsWith(prefix)) continue;
    const cut = delimiter ? md.name.indexOf(delimiter, prefix.length) : -1;
    if (cut === -1) entries.set(md.name, md);
    else {
      const rolled = md.name.slice(0, cut + delimiter.length);
      if (!entries.has(rolled)) entries.set(rolled, null);
    }
  }
  const names = [...entries.keys()].map((n) => [n, Buffer.from(n, 'utf8')]).sort((a, b) => Buffer.compare(a[1], b[1]));
  let start = 0;
  if (pageToken) {
    const after = Buffer.from(pageToken, 'base64url');
    while (start < names.length && Buffer.compare(names[start][1], after) <= 0) start++;
  }
  const max = Math.min(Math.max(Number(request.maxResults) || 1000, 1), 1000);
  const page = names.slice(start, start + max);
  const items = page.filter(([n]) => entries.get(n) !== null).map(([n]) => entries.get(n));
  const prefixes = page.filter(([n]) => entries.get(n) === null).map(([n]) => n);
  const more = start + max < names.length;
  return {
    nextPageToken: more ? page[page.length - 1][1].toString('base64url') : undefined,
    prefixes: prefixes.length > 0 ? prefixes : undefined,
    items: items.length > 0 ? items : undefined,
  };
};

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

// Answers intermediate chunks and status queries of resumable uploads; returns false to let
// the emulator handle the request (the last chunk appends and finalizes there).
async function resumableChunk(emulator, req, res) {
  if (req.method !== 'PUT' || !req.url.startsWith('/upload/storage/v1/b/')) return false;
  const range = req.headers['content-range'];
  if (!range) return false;
  const id = new URL(req.url, 'http://x').searchParams.get('upload_id');
  if (!id) return false;
  const m = /^bytes (\*|(\d+)-(\d+))\/(\*|\d+)$/.exec(range.trim());
  if (!m) return false;
  let upload;
  try {
    upload = emulator.uploadService.getResumableUpload(id);
  } catch {
    return false;
  }
  const reply308 = () => {
    const headers = { 'Content-Length': '0' };
    if (upload.size > 0) headers.Range = `bytes=0-${upload.size - 1}`;
    res.writeHead(308, headers);
    res.end();
    return true;
  };
  const total = m[4] === '*' ? null : Number(m[4]);
  if (m[1] === '*') {
    if (upload.status === 'final') {
      const md = emulator.storageLayer.getMetadata(upload.bucketId, upload.objectId);
      if (!md) return false;
      const json = JSON.stringify(new CloudStorageObjectMetadata(md));
      res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(json) });
      res.end(json);
      return true;
    }
    if (upload.status !== 'active') return false;
    if (total !== null && total === upload.size) return false;
    return reply308();
  }
  const start = Number(m[2]);
  const end = Number(m[3]);
  if (total !== null && end + 1 >= total) return false;
  const body = await readBody(req);
  if (upload.status !== 'active') {
    res.writeHead(400).end();
    return true;
  }
  if (start === upload.size) emulator.uploadService.continueResumableUpload(id, body);
  return reply308();
}

const RESERVED = new Set(['b', 'upload', 'download', 'storage', 'v0', 'internal']);
function xmlApiRewrite(req) {
  if (req.method !== 'PUT' && req.method !== 'DELETE') return;
  const u = new URL(req.url, 'http://x');
  const m = /^\/([^/]+)\/(.+)$/.exec(u.pathname);
  if (!m || RESERVED.has(m[1])) return;
  const bucket = m[1];
  const object = decodeURIComponent(m[2]);
  if (req.method === 'PUT') {
    req.method = 'POST';
    req.url = `/upload/storage/v1/b/${bucket}/o?uploadType=media&name=${encodeURIComponent(object)}`;
  } else {
    req.url = `/b/${bucket}/o/${encodeURIComponent(object)}`;
  }
}

(async () => {
  const emulator = new StorageEmulator({ projectId, host, port, rules: { name: 'none', content: '' }, auto_download: false });
  emulator._rulesRuntime.start = async () => {};
  emulator._rulesRuntime.stop = async () => {};
  emulator._rulesManager.start = async () => ({ errors: [], warnings: [] });
  emulator._rulesManager.stop = async () => {};
  emulator.start = async () => {
    const app = await createApp(projectId, emulator);
    emulator._app = app;
    const server = http.createServer((req, res) => {
      req.url = req.url.replace(/^\/storage\/v1(\/b(?:[/?]|$))/, '$1');
      xmlApiRewrite(req);
      resumableChunk(emulator, req, res)
        .then((handled) => { if (!handled) app(req, res); })
        .catch((e) => { console.error(e); if (!res.headersSent) res.writeHead(500); res.end(); });
    });
    await new Promise((resolve, reject) => { server.once('error', reject); server.listen(port, host, resolve); });
    emulator.destroyServer = () => new Promise((resolve) => { server.close(() => resolve()); server.closeAllConnections?.(); });
  };
  await EmulatorRegistry.start(emulator);
  console.log(`GCS emulator listening on ${host}:${port}`);
  const stop = () => EmulatorRegistry.stop(emulator.getName()).finally(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
})().catch((e) => { console.error(e && e.message ? e.message : e); process.exit(1); });
EOF
}

# ---------------------------------------------------------------- processes

# HTTP status of a request, 0 when nothing answers.
http_status() { # url [method]
  node -e '
    const r = require("http").request(process.argv[1], { method: process.argv[2] || "GET", timeout: 2000 }, (res) => { console.log(res.statusCode); res.resume(); });
    r.on("timeout", () => r.destroy(new Error("timeout")));
    r.on("error", () => console.log(0));
    r.end();' "$1" "${2:-GET}"
}

port_busy() { # port
  node -e '
    const s = require("net").connect({ host: "127.0.0.1", port: Number(process.argv[1]) });
    s.on("connect", () => { s.destroy(); process.exit(0); });
    s.on("error", () => process.exit(1));
    setTimeout(() => process.exit(1), 2000);' "$1"
}

# A port that is free right now on 127.0.0.1 (the kernel's pick).
free_port() {
  node -e '
    const s = require("net").createServer();
    s.listen(0, "127.0.0.1", () => { const p = s.address().port; s.close(() => console.log(p)); });'
}

recorded_pid() { # name
  [ -f "$PID_FILE" ] || return 0
  awk -v n="$1" '$1 == n { print $2 }' "$PID_FILE" | tail -n 1
}

# True when pid is alive and is one of our emulator processes (guards against reused PIDs).
is_ours() { # pid
  local pid=$1
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 1
  tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -qF "$EMULATOR_HOME/"
}

record_pid() { # name pid port
  local tmp="$PID_FILE.tmp"
  { [ -f "$PID_FILE" ] && awk -v n="$1" '$1 != n' "$PID_FILE"; echo "$1 $2 $3"; } > "$tmp" || true
  mv "$tmp" "$PID_FILE"
}

forget_pid() { # name
  [ -f "$PID_FILE" ] || return 0
  local tmp="$PID_FILE.tmp"
  awk -v n="$1" '$1 != n' "$PID_FILE" > "$tmp" || true
  mv "$tmp" "$PID_FILE"
}

recorded_port() { # name default
  local p=""
  [ -f "$PID_FILE" ] && p=$(awk -v n="$1" '$1 == n { print $3 }' "$PID_FILE" | tail -n 1)
  echo "${p:-$2}"
}

STARTED_NOW=()

fail_start() { # name message logfile
  echo "emulators.sh: ERROR: $1 emulator could not start: $2" >&2
  log_tail "$3"
  local n pid
  for n in "${STARTED_NOW[@]}"; do
    pid=$(recorded_pid "$n")
    if is_ours "$pid"; then kill "$pid" 2>/dev/null || true; fi
    forget_pid "$n"
  done
  exit 1
}

wait_ready() { # name pid logfile check-function [soft: return 1 when the process exits]
  local name=$1 pid=$2 logfile=$3 check=$4 soft=${5:-} deadline=$((SECONDS + READY_TIMEOUT))
  while :; do
    if "$check"; then return 0; fi
    if ! kill -0 "$pid" 2>/dev/null; then
      [ "$soft" = soft ] && return 1
      fail_start "$name" "the process exited" "$logfile"
    fi
    [ "$SECONDS" -lt "$deadline" ] || fail_start "$name" "not ready after ${READY_TIMEOUT}s" "$logfile"
    sleep 0.5
  done
}

# Anonymous requests are refused (403) once s3rver listens; the bucket is created before it listens.
s3_ready() { [ "$(http_status "http://$HOST:$S3_PORT/$S3_BUCKET/?list-type=2&max-keys=1")" = 403 ]; }
azurite_ready() {
  # An unauthenticated request must be refused (403) once the blob service is up; then the
  # default container is created with the development key, which also proves SharedKey works.
  [ "$(http_status "http://$HOST:$AZ_PORT/$AZ_ACCOUNT?comp=list")" = 403 ] &&
    node "$EMULATOR_HOME/azurite/create-container.js" "http://$HOST:$AZ_PORT/$AZ_ACCOUNT" "$AZ_ACCOUNT" "$AZ_KEY" "$AZ_CONTAINER" 2>>"$LOG_DIR/azurite.log"
}
gcs_ready() { [ "$(http_status "http://$HOST:$GCS_PORT/storage/v1/b/$GCS_BUCKET/o?maxResults=1")" = 200 ]; }

start_one() { # name port-variable
  local name=$1 var=$2 port pid logfile="$LOG_DIR/$1.log"
  pid=$(recorded_pid "$name")
  if is_ours "$pid"; then
    printf -v "$var" '%s' "$(recorded_port "$name" "${!var}")"
    return 0
  fi
  forget_pid "$name"
  port=${!var}
  if [ "$port" = 0 ]; then
    port=$(free_port) || fail_start "$name" "no free port found" /dev/null
  elif port_busy "$port"; then
    fail_start "$name" "port $HOST:$port is already in use by another process (set the port variable, or 0 for a free port)" /dev/null
  fi
  printf -v "$var" '%s' "$port"
  case "$name" in
    s3rver)
      # s3rver encrypts ListObjectsV2 continuation tokens with DES, which OpenSSL 3 (Node >= 17)
      # only offers through its legacy provider.
      rm -rf "$DATA_DIR/s3"
      mkdir -p "$DATA_DIR/s3"
      (cd "$EMULATOR_HOME/s3rver" && NODE_OPTIONS=--openssl-legacy-provider exec nohup node "$EMULATOR_HOME/s3rver/run.js" \
        -d "$DATA_DIR/s3" -a "$HOST" -p "$port" --configure-bucket "$S3_BUCKET" \
        </dev/null >"$logfile" 2>&1) &
      ;;
    azurite)
      rm -rf "$DATA_DIR/azurite"
      mkdir -p "$DATA_DIR/azurite"
      (cd "$DATA_DIR/azurite" && exec nohup node "$EMULATOR_HOME/azurite/node_modules/azurite/dist/src/blob/main.js" \
        --blobHost "$HOST" --blobPort "$port" --inMemoryPersistence --extentMemoryLimit "$AZ_MEMORY_MB" \
        --disableTelemetry --skipApiVersionCheck \
        </dev/null >"$logfile" 2>&1) &
      ;;
    gcs)
      rm -rf "$DATA_DIR/gcs"
      mkdir -p "$DATA_DIR/gcs"
      (cd "$EMULATOR_HOME/gcs" && TMPDIR="$DATA_DIR/gcs" GCS_HOST="$HOST" GCS_PORT="$port" GCS_PROJECT="$GCS_PROJECT" \
        exec nohup node "$EMULATOR_HOME/gcs/gcs-emulator-3.js" </dev/null >"$logfile" 2>&1) &
      ;;
  esac
  pid=$!
  record_pid "$name" "$pid" "$port"
  STARTED_NOW+=("$name")
}

# An emulator whose process exits while it starts (seen about once in a few dozen starts of the GCS emulator, with an
# empty log) is started again, twice at most, when its port was the kernel's pick; a fixed port, or one that is still
# not ready at the deadline, fails at once.
ready_or_retry() { # name port-variable requested-port check-function
  local name=$1 var=$2 requested=$3 check=$4 attempt=1
  while ! wait_ready "$name" "$(recorded_pid "$name")" "$LOG_DIR/$name.log" "$check" soft; do
    if [ "$requested" != 0 ] || [ "$attempt" -ge 3 ]; then
      fail_start "$name" "the process exited (attempt $attempt)" "$LOG_DIR/$name.log"
    fi
    attempt=$((attempt + 1))
    echo "emulators.sh: the $name emulator exited while starting; starting it again (attempt $attempt of 3)" >&2
    forget_pid "$name"
    printf -v "$var" '%s' 0
    start_one "$name" "$var"
  done
}

cmd_start() {
  need_node
  set_paths create
  ensure_installed
  local requested_s3=$S3_PORT requested_az=$AZ_PORT requested_gcs=$GCS_PORT
  if selected s3rver; then start_one s3rver S3_PORT; fi
  if selected azurite; then start_one azurite AZ_PORT; fi
  if selected gcs; then start_one gcs GCS_PORT; fi
  local n
  for n in "${STARTED_NOW[@]}"; do
    case "$n" in
      s3rver) ready_or_retry s3rver S3_PORT "$requested_s3" s3_ready ;;
      azurite) ready_or_retry azurite AZ_PORT "$requested_az" azurite_ready ;;
      gcs) ready_or_retry gcs GCS_PORT "$requested_gcs" gcs_ready ;;
    esac
  done
  if [ -n "${EMULATOR_OWNER_PID:-}" ] && [ "${#STARTED_NOW[@]}" -gt 0 ]; then start_watchdog "${STARTED_NOW[@]}"; fi
}

# Stops the emulators just started once the process EMULATOR_OWNER_PID is gone (a test run that was killed
# cannot leave them running). Detached, with no inherited output, so callers reading our output are not held.
start_watchdog() { # names...
  local names="$*"
  nohup bash -c '
    while kill -0 "$1" 2>/dev/null; do sleep 2; done
    EMULATOR_HOME="$2" EMULATOR_STATE_DIR="$3" exec bash "$4" stop $5' \
    _ "$EMULATOR_OWNER_PID" "$EMULATOR_HOME" "$EMULATOR_STATE_DIR" "$SCRIPT_PATH" "$names" </dev/null >/dev/null 2>&1 &
}

cmd_stop() {
  set_paths
  [ -f "$PID_FILE" ] || return 0
  local name pid port
  local -a pids=()
  while read -r name pid port; do
    selected "$name" || continue
    if is_ours "$pid"; then
      kill "$pid" 2>/dev/null || true
      pids+=("$pid")
    fi
  done < "$PID_FILE"
  local deadline=$((SECONDS + 15))
  for pid in "${pids[@]}"; do
    while kill -0 "$pid" 2>/dev/null && [ "$SECONDS" -lt "$deadline" ]; do sleep 0.2; done
    if kill -0 "$pid" 2>/dev/null; then kill -9 "$pid" 2>/dev/null || true; fi
  done
  for name in "${SELECTED[@]}"; do forget_pid "$name"; done
}

cmd_env() {
  set_paths
  local s3 az gcs
  s3=$(recorded_port s3rver "$S3_PORT")
  az=$(recorded_port azurite "$AZ_PORT")
  gcs=$(recorded_port gcs "$GCS_PORT")
  if selected s3rver; then
    echo "export S3_EMULATOR_ENDPOINT=http://$HOST:$s3"
    echo "export S3_EMULATOR_BUCKET=$S3_BUCKET"
    echo "export AWS_ACCESS_KEY_ID=$S3_ACCESS_KEY"
    echo "export AWS_SECRET_ACCESS_KEY=$S3_SECRET_KEY"
    echo "export AWS_REGION=us-east-1"
  fi
  if selected azurite; then
    echo "export AZURITE_BLOB_ENDPOINT=http://$HOST:$az/$AZ_ACCOUNT"
    echo "export AZURITE_CONTAINER=$AZ_CONTAINER"
    echo "export AZURE_STORAGE_ACCOUNT=$AZ_ACCOUNT"
    echo "export AZURE_STORAGE_KEY='$AZ_KEY'"
    echo "export AZURE_STORAGE_CONNECTION_STRING='DefaultEndpointsProtocol=http;AccountName=$AZ_ACCOUNT;AccountKey=$AZ_KEY;BlobEndpoint=http://$HOST:$az/$AZ_ACCOUNT;'"
  fi
  if selected gcs; then
    echo "export STORAGE_EMULATOR_HOST=http://$HOST:$gcs"
    echo "export GCS_EMULATOR_ENDPOINT=http://$HOST:$gcs"
    echo "export GCS_EMULATOR_BUCKET=$GCS_BUCKET"
    echo "export GCS_EMULATOR_PROJECT=$GCS_PROJECT"
  fi
}

cmd_status() {
  set_paths
  local name pid
  for name in "${SELECTED[@]}"; do
    pid=$(recorded_pid "$name")
    if is_ours "$pid"; then
      echo "$name running pid=$pid port=$(recorded_port "$name" -)"
    else
      echo "$name stopped"
    fi
  done
}

command=${1:-}
if [ "$#" -gt 0 ]; then shift; fi
select_emulators "$@"
case "$command" in
  start) cmd_start ;;
  stop) cmd_stop ;;
  env) cmd_env ;;
  status) cmd_status ;;
  *)
    echo "usage: $(basename "$0") start|stop|env|status [s3] [azure] [gcs]" >&2
    exit 2
    ;;
esac
