//! The HTTP server: accepts connections with `tiny_http`, reads each request on its own thread
//! (a callback may block for up to 5 × 5 s), hands it to [`ops::dispatch`], adds the headers
//! every OSS reply carries (`x-oss-request-id`, `Server`, CORS) and writes the access log.

use std::io::{self, Read as _};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Instant;

use tiny_http::{Header, Response, Server, StatusCode};

use crate::callback::Caller;
use crate::config::{Config, PUB_KEY_PATH};
use crate::cors::CorsRule;
use crate::error::OssError;
use crate::http::{Body, Incoming, Reply};
use crate::log::{self, AccessLine};
use crate::multipart::{MAX_NAMES_BYTES, MAX_VALUES_BYTES};
use crate::state::State;
use crate::storage::Store;
use crate::{ids, ops};

/// Room for a PostObject form's fields and multipart framing beyond the largest object.
const FORM_OVERHEAD_BYTES: u64 = (MAX_NAMES_BYTES + MAX_VALUES_BYTES + 64 * 1024) as u64;

/// Why the sim could not start.
#[derive(Debug)]
#[non_exhaustive]
pub enum StartError {
    /// The listen address cannot be bound.
    Bind(String),
    /// The data directory cannot be created.
    DataDir(io::Error),
    /// The callback key has no usable public half.
    Key(String),
}

impl core::fmt::Display for StartError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            StartError::Bind(why) => write!(f, "cannot listen: {why}"),
            StartError::DataDir(e) => write!(f, "cannot create the data directory: {e}"),
            StartError::Key(why) => write!(f, "callback key: {why}"),
        }
    }
}

impl std::error::Error for StartError {}

/// A running oss-sim. Dropping it stops the server (and removes a temporary data directory).
pub struct Sim {
    server: Arc<Server>,
    addr: SocketAddr,
    state: Arc<State>,
    pub_key_url: String,
    thread: Option<JoinHandle<()>>,
    temp_dir: Option<tempfile::TempDir>,
}

fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or_default()
}

impl Sim {
    /// Binds `config.listen`, opens the data directory and starts serving on a background
    /// thread.
    pub fn start(config: Config) -> Result<Self, StartError> {
        let server = Server::http(&config.listen)
            .map_err(|e| StartError::Bind(format!("{}: {e}", config.listen)))?;
        let addr = server
            .server_addr()
            .to_ip()
            .ok_or_else(|| StartError::Bind("not an IP listener".into()))?;
        let (temp_dir, root): (Option<tempfile::TempDir>, PathBuf) = match config.data_dir {
            Some(dir) => (None, dir),
            None => {
                let temp = tempfile::Builder::new()
                    .prefix("oss-sim-")
                    .tempdir()
                    .map_err(StartError::DataDir)?;
                let path = temp.path().to_path_buf();
                (Some(temp), path)
            }
        };
        let store = Store::open(&root, config.versioning).map_err(StartError::DataDir)?;
        let announced = if addr.ip().is_unspecified() {
            SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), addr.port())
        } else {
            addr
        };
        let pub_key_url = config
            .pub_key_url
            .unwrap_or_else(|| format!("http://{announced}{PUB_KEY_PATH}"));
        let public_key_pem = config
            .signer
            .public_key_pem()
            .map_err(|e| StartError::Key(e.to_string()))?;
        let state = Arc::new(State {
            credentials: config.credentials,
            region: config.region,
            buckets: config.buckets,
            store,
            caller: Caller {
                signer: config.signer,
                pub_key_url: pub_key_url.clone(),
                owner_id: config.owner_id,
                rendering: config.rendering,
            },
            cors: CorsRule::new(config.cors_origins),
            public_key_pem,
            max_object_bytes: config.max_object_bytes,
            host_id: announced.to_string(),
            access_log: config.access_log,
            public_read: config.public_read,
        });
        let server = Arc::new(server);
        let thread = {
            let server = Arc::clone(&server);
            let state = Arc::clone(&state);
            std::thread::Builder::new()
                .name("oss-sim-accept".into())
                .spawn(move || {
                    for request in server.incoming_requests() {
                        let state = Arc::clone(&state);
                        // A request whose thread cannot start is dropped (the client sees the
                        // connection close), as under any overload.
                        let _ = std::thread::Builder::new()
                            .name("oss-sim-request".into())
                            .spawn(move || serve(&state, request));
                    }
                })
                .map_err(|e| StartError::Bind(e.to_string()))?
        };
        Ok(Self {
            server,
            addr,
            state,
            pub_key_url,
            thread: Some(thread),
            temp_dir,
        })
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://host:port`, the endpoint to give the signer.
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.state.host_id)
    }

    /// The URL announced in `x-oss-pub-key-url`.
    pub fn pub_key_url(&self) -> &str {
        &self.pub_key_url
    }

    /// The public key served at [`Self::pub_key_url`].
    pub fn public_key_pem(&self) -> &str {
        &self.state.public_key_pem
    }

    /// The data directory.
    pub fn data_dir(&self) -> &Path {
        self.state.store.root()
    }

    /// Whether the data directory is temporary (removed when the sim stops).
    pub fn is_temporary(&self) -> bool {
        self.temp_dir.is_some()
    }

    /// Serves until the process ends.
    pub fn wait(mut self) {
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for Sim {
    fn drop(&mut self) {
        self.server.unblock();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn serve(state: &State, mut request: tiny_http::Request) {
    let started = Instant::now();
    let now = unix_now();
    let request_id = ids::request_id();
    let method = request.method().as_str().to_ascii_uppercase();
    let target = request.url().to_owned();
    let headers: Vec<(String, String)> = request
        .headers()
        .iter()
        .map(|h| {
            (
                h.field.as_str().as_str().to_owned(),
                h.value.as_str().to_owned(),
            )
        })
        .collect();
    let client_ip = request
        .remote_addr()
        .map(|a| a.ip().to_string())
        .unwrap_or_default();

    let limit = state.max_object_bytes.saturating_add(FORM_OVERHEAD_BYTES);
    let mut body = Vec::new();
    let read = request
        .as_reader()
        .take(limit.saturating_add(1))
        .read_to_end(&mut body);
    let incoming = Incoming {
        method,
        target,
        headers,
        body,
        client_ip,
        request_id,
        now,
    };
    let mut reply = match read {
        Err(e) => Reply::error(
            &OssError::invalid_argument(format!("cannot read the request body: {e}")),
            &incoming.request_id,
            &state.host_id,
        ),
        Ok(_) if incoming.body.len() as u64 > limit => Reply::error(
            &OssError::entity_too_large(format!(
                "Your proposed upload exceeds the maximum allowed size (oss-sim: {} bytes).",
                state.max_object_bytes
            )),
            &incoming.request_id,
            &state.host_id,
        ),
        Ok(_) => ops::dispatch(state, &incoming),
    };
    reply
        .headers
        .push(("x-oss-request-id".into(), incoming.request_id.clone()));
    reply.headers.push(("Server".into(), "AliyunOSS".into()));
    if incoming.method != "OPTIONS" {
        reply
            .headers
            .extend(state.cors.response_headers(incoming.header("origin")));
    }
    if state.access_log {
        log::write(&AccessLine {
            time: oss_edge_core::time::format_rfc3339(now),
            method: &incoming.method,
            path: &incoming.target,
            status: reply.status,
            request_id: &incoming.request_id,
            operation: reply.operation,
            error: reply.error_code,
            callback: reply.callback.as_deref(),
            ms: started.elapsed().as_millis(),
        });
    }
    // The client may have gone away; nothing to do about it.
    let _ = respond(request, &incoming, reply);
}

fn respond(request: tiny_http::Request, incoming: &Incoming, reply: Reply) -> io::Result<()> {
    let headers: Vec<Header> = reply
        .headers
        .iter()
        .filter_map(|(n, v)| Header::from_bytes(n.as_bytes(), v.as_bytes()).ok())
        .collect();
    let head_only = incoming.method == "HEAD";
    let (reader, len): (Box<dyn io::Read + Send>, usize) = match reply.body {
        Body::Empty => (Box::new(io::empty()), 0),
        Body::Bytes(bytes) => {
            let len = bytes.len();
            (Box::new(io::Cursor::new(bytes)), len)
        }
        Body::File { path, len } => {
            let len = usize::try_from(len).unwrap_or(usize::MAX);
            if head_only {
                (Box::new(io::empty()), len)
            } else {
                (Box::new(std::fs::File::open(path)?), len)
            }
        }
    };
    let response = Response::new(StatusCode(reply.status), headers, reader, Some(len), None)
        .with_chunked_threshold(usize::MAX);
    request.respond(response)
}
