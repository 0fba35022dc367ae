//! Objects and multipart uploads on disk.
//!
//! Layout under the data directory:
//! - `objects/<bucket>/<md5-hex of key>.bin` and `.json` (the [`ObjectMeta`]);
//! - `uploads/<upload id>/upload.json` ([`UploadMeta`]) and `part-<n>.bin` / `part-<n>.json`.
//!
//! Files are written to a temporary name and renamed, so a reader never sees half an object.
//! One lock serialises "does it exist, then write" for `x-oss-forbid-overwrite`.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

use crate::facts::{ImageFacts, ObjectFacts};
use crate::ids;

/// A stored object's metadata: what OSS would report about it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObjectMeta {
    /// Bucket.
    pub bucket: String,
    /// Object key.
    pub key: String,
    /// Size in bytes.
    pub size: u64,
    /// ETag without quotes.
    pub etag: String,
    /// `x-oss-hash-crc64ecma`.
    pub crc64: u64,
    /// `Content-MD5` (empty for multipart objects).
    pub content_md5: String,
    /// `Content-Type`.
    pub content_type: String,
    /// Image facts, for images.
    pub image: Option<ImageFacts>,
    /// The operation that stored it: `PutObject`, `PostObject` or `CompleteMultipartUpload`.
    pub operation: String,
    /// The request id of that operation.
    pub request_id: String,
    /// Unix seconds of the upload.
    pub last_modified: i64,
    /// `Normal` or `Multipart` (`x-oss-object-type`).
    pub object_type: String,
    /// Headers returned on GET/HEAD as stored (`Cache-Control`, `x-oss-meta-*`, …).
    pub headers: Vec<(String, String)>,
    /// `x-oss-version-id`, when the sim runs with versioning on (`--versioning`).
    #[serde(default)]
    pub version_id: Option<String>,
}

/// What to store besides the bytes.
#[derive(Clone, Debug)]
pub struct NewObject {
    /// Bucket.
    pub bucket: String,
    /// Object key.
    pub key: String,
    /// Content type (already defaulted).
    pub content_type: String,
    /// Operation name.
    pub operation: &'static str,
    /// Request id.
    pub request_id: String,
    /// Unix seconds.
    pub now: i64,
    /// Headers to return on GET/HEAD.
    pub headers: Vec<(String, String)>,
    /// `x-oss-forbid-overwrite: true`.
    pub forbid_overwrite: bool,
}

/// A multipart upload in progress.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UploadMeta {
    /// Bucket.
    pub bucket: String,
    /// Object key.
    pub key: String,
    /// Content type given at initiation.
    pub content_type: String,
    /// Headers given at initiation, returned on GET/HEAD of the object.
    pub headers: Vec<(String, String)>,
}

/// One uploaded part.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartMeta {
    /// Part number.
    pub number: u32,
    /// Upper-case hex MD5 (the part's ETag, without quotes).
    pub etag: String,
    /// Binary MD5.
    pub md5: [u8; 16],
    /// Size in bytes.
    pub size: u64,
}

/// Why a store operation failed.
#[derive(Debug)]
#[non_exhaustive]
pub enum StoreError {
    /// The object exists and the request forbade overwriting it.
    AlreadyExists,
    /// No such multipart upload (for this bucket and key).
    NoSuchUpload,
    /// The file system failed.
    Io(io::Error),
    /// A metadata file does not parse.
    Corrupt(String),
}

impl core::fmt::Display for StoreError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            StoreError::AlreadyExists => f.write_str("the object already exists"),
            StoreError::NoSuchUpload => f.write_str("no such multipart upload"),
            StoreError::Io(e) => write!(f, "storage I/O failed: {e}"),
            StoreError::Corrupt(why) => write!(f, "stored metadata is corrupt: {why}"),
        }
    }
}

impl std::error::Error for StoreError {}

impl From<io::Error> for StoreError {
    fn from(e: io::Error) -> Self {
        StoreError::Io(e)
    }
}

/// The object store rooted at a data directory.
#[derive(Debug)]
pub struct Store {
    root: PathBuf,
    write_lock: Mutex<()>,
    versioning: bool,
}

fn hex_lower(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn write_atomic(path: &Path, data: &[u8]) -> io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    fs::create_dir_all(dir)?;
    let tmp = dir.join(format!(".tmp-{}", ids::upload_id()));
    fs::write(&tmp, data)?;
    fs::rename(&tmp, path)
}

fn read_json<T: for<'de> Deserialize<'de>>(path: &Path) -> Result<Option<T>, StoreError> {
    match fs::read(path) {
        Ok(bytes) => serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|e| StoreError::Corrupt(format!("{}: {e}", path.display()))),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e.into()),
    }
}

fn to_json<T: Serialize>(value: &T) -> Result<Vec<u8>, StoreError> {
    serde_json::to_vec_pretty(value).map_err(|e| StoreError::Corrupt(e.to_string()))
}

impl Store {
    /// A store under `root` (created when missing). With `versioning`, every stored object
    /// gets a new version id (only the latest version is kept and served).
    pub fn open(root: &Path, versioning: bool) -> io::Result<Self> {
        fs::create_dir_all(root.join("objects"))?;
        fs::create_dir_all(root.join("uploads"))?;
        Ok(Self {
            root: root.to_path_buf(),
            write_lock: Mutex::new(()),
            versioning,
        })
    }

    /// Every object of `bucket` whose key starts with `prefix`, sorted by key (as OSS lists).
    pub fn list(&self, bucket: &str, prefix: &str) -> Result<Vec<ObjectMeta>, StoreError> {
        let dir = self.root.join("objects").join(bucket);
        let entries = match fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(e.into()),
        };
        let mut found = Vec::new();
        for entry in entries {
            let path = entry?.path();
            if path.extension().is_some_and(|ext| ext == "json") {
                // A file removed since read_dir (a concurrent delete) is skipped.
                if let Some(meta) = read_json::<ObjectMeta>(&path)?
                    && meta.key.starts_with(prefix)
                {
                    found.push(meta);
                }
            }
        }
        found.sort_by(|a, b| a.key.cmp(&b.key));
        Ok(found)
    }

    /// The data directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    fn object_base(&self, bucket: &str, key: &str) -> PathBuf {
        let name = hex_lower(&oss_edge_core::object::md5(key.as_bytes()));
        self.root.join("objects").join(bucket).join(name)
    }

    fn upload_dir(&self, upload_id: &str) -> Option<PathBuf> {
        let valid = !upload_id.is_empty() && upload_id.bytes().all(|b| b.is_ascii_hexdigit());
        valid.then(|| self.root.join("uploads").join(upload_id))
    }

    /// Stores `data` as a single-request upload, or as the whole of a multipart upload when
    /// `facts` says so. Returns the metadata.
    pub fn put(
        &self,
        object: NewObject,
        data: &[u8],
        facts: ObjectFacts,
    ) -> Result<ObjectMeta, StoreError> {
        let meta = ObjectMeta {
            object_type: if facts.content_md5.is_empty() {
                "Multipart".into()
            } else {
                "Normal".into()
            },
            bucket: object.bucket,
            key: object.key,
            size: facts.size,
            etag: facts.etag,
            crc64: facts.crc64,
            content_md5: facts.content_md5,
            content_type: object.content_type,
            image: facts.image,
            operation: object.operation.to_owned(),
            request_id: object.request_id,
            last_modified: object.now,
            headers: object.headers,
            version_id: self.versioning.then(ids::version_id),
        };
        let base = self.object_base(&meta.bucket, &meta.key);
        let json = to_json(&meta)?;
        let _guard = self
            .write_lock
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if object.forbid_overwrite && base.with_extension("json").exists() {
            return Err(StoreError::AlreadyExists);
        }
        write_atomic(&base.with_extension("bin"), data)?;
        write_atomic(&base.with_extension("json"), &json)?;
        Ok(meta)
    }

    /// Whether `bucket`/`key` exists.
    pub fn exists(&self, bucket: &str, key: &str) -> bool {
        self.object_base(bucket, key)
            .with_extension("json")
            .exists()
    }

    /// The metadata and data file of `bucket`/`key`, if stored.
    pub fn get(
        &self,
        bucket: &str,
        key: &str,
    ) -> Result<Option<(ObjectMeta, PathBuf)>, StoreError> {
        let base = self.object_base(bucket, key);
        let meta: Option<ObjectMeta> = read_json(&base.with_extension("json"))?;
        Ok(meta.map(|m| (m, base.with_extension("bin"))))
    }

    /// Deletes `bucket`/`key`; deleting a missing object succeeds, as in OSS.
    pub fn delete(&self, bucket: &str, key: &str) -> Result<(), StoreError> {
        let base = self.object_base(bucket, key);
        let _guard = self
            .write_lock
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        for ext in ["json", "bin"] {
            match fs::remove_file(base.with_extension(ext)) {
                Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e.into()),
                _ => {}
            }
        }
        Ok(())
    }

    /// Starts a multipart upload; returns its id.
    pub fn create_upload(&self, upload: &UploadMeta) -> Result<String, StoreError> {
        let id = ids::upload_id();
        let dir = self.root.join("uploads").join(&id);
        write_atomic(&dir.join("upload.json"), &to_json(upload)?)?;
        Ok(id)
    }

    /// The upload `upload_id` if it exists for `bucket`/`key`.
    pub fn upload(
        &self,
        upload_id: &str,
        bucket: &str,
        key: &str,
    ) -> Result<UploadMeta, StoreError> {
        let dir = self.upload_dir(upload_id).ok_or(StoreError::NoSuchUpload)?;
        let meta: UploadMeta =
            read_json(&dir.join("upload.json"))?.ok_or(StoreError::NoSuchUpload)?;
        if meta.bucket != bucket || meta.key != key {
            return Err(StoreError::NoSuchUpload);
        }
        Ok(meta)
    }

    /// Stores part `number` of upload `upload_id` (replacing an earlier one).
    pub fn put_part(
        &self,
        upload_id: &str,
        number: u32,
        data: &[u8],
    ) -> Result<PartMeta, StoreError> {
        let dir = self.upload_dir(upload_id).ok_or(StoreError::NoSuchUpload)?;
        let md5 = oss_edge_core::object::md5(data);
        let part = PartMeta {
            number,
            etag: oss_edge_core::object::etag_single(&md5),
            md5,
            size: data.len() as u64,
        };
        write_atomic(&dir.join(format!("part-{number}.bin")), data)?;
        write_atomic(&dir.join(format!("part-{number}.json")), &to_json(&part)?)?;
        Ok(part)
    }

    /// Part `number` of upload `upload_id`, if uploaded.
    pub fn part(&self, upload_id: &str, number: u32) -> Result<Option<PartMeta>, StoreError> {
        let dir = self.upload_dir(upload_id).ok_or(StoreError::NoSuchUpload)?;
        read_json(&dir.join(format!("part-{number}.json")))
    }

    /// The bytes of part `number`.
    pub fn read_part(&self, upload_id: &str, number: u32) -> Result<Vec<u8>, StoreError> {
        let dir = self.upload_dir(upload_id).ok_or(StoreError::NoSuchUpload)?;
        Ok(fs::read(dir.join(format!("part-{number}.bin")))?)
    }

    /// Removes upload `upload_id` and its parts.
    pub fn remove_upload(&self, upload_id: &str) -> Result<(), StoreError> {
        let dir = self.upload_dir(upload_id).ok_or(StoreError::NoSuchUpload)?;
        match fs::remove_dir_all(dir) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e.into()),
            _ => Ok(()),
        }
    }
}
