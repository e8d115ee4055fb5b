//! A small HTTP/1.1 static file server for www/, bound to 127.0.0.1 only.
//!
//! It serves GET and HEAD (other methods get 405), maps `/` and folders to `index.html`, and
//! sends one response per connection (`Connection: close`). It serves no file outside the
//! root: the request path is percent-decoded, any `..`, backslash or NUL is rejected, and
//! the resolved path must still lie under the canonical root after symlinks.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Maximum request head size in bytes. A longer head gets 431.
const MAX_HEAD_BYTES: usize = 16 * 1024;

/// Binds 127.0.0.1:`port` (0 picks a free port) and returns the listener and its port.
pub fn bind(port: u16) -> Result<(TcpListener, u16), String> {
    let listener = TcpListener::bind(("127.0.0.1", port)).map_err(|error| format!("cannot listen on 127.0.0.1:{port}: {error}"))?;
    let port = listener.local_addr().map_err(|error| error.to_string())?.port();
    Ok((listener, port))
}

/// Serves `root` forever, one thread per connection.
pub fn run(listener: TcpListener, root: &Path) -> Result<(), String> {
    let root = root.canonicalize().map_err(|error| format!("{}: {error}", root.display()))?;
    for stream in listener.incoming() {
        let Ok(stream) = stream else { continue };
        let root = root.clone();
        std::thread::spawn(move || {
            if let Err(error) = handle(stream, &root) {
                eprintln!("serve: connection failed: {error}");
            }
        });
    }
    Ok(())
}

/// A response before it is written.
struct Response {
    status: &'static str,
    content_type: &'static str,
    body: Vec<u8>,
    allow: bool,
}

impl Response {
    fn error(status: &'static str) -> Response {
        Response { status, content_type: "text/plain; charset=utf-8", body: format!("{status}\n").into_bytes(), allow: false }
    }
}

fn handle(stream: TcpStream, root: &Path) -> std::io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let (method, target) = match read_head(&mut reader)? {
        Ok(request_line) => request_line,
        Err(status) => return write_response(stream, &Response::error(status), false),
    };

    let response = respond(&method, &target, root);
    println!("serve: {method} {target} {}", response.status);
    write_response(stream, &response, method == "HEAD")
}

/// Reads the request line and skips the headers; `Err(status)` for a bad request.
fn read_head(reader: &mut impl BufRead) -> std::io::Result<Result<(String, String), &'static str>> {
    let mut head = Vec::new();
    let mut request_line = String::new();
    loop {
        // Read at most one byte past the limit, so an over-long head is detected.
        let mut line = Vec::new();
        let remaining = (MAX_HEAD_BYTES + 1 - head.len()) as u64;
        let read = reader.by_ref().take(remaining).read_until(b'\n', &mut line)?;
        if read == 0 {
            return Ok(Err("400 Bad Request"));
        }
        head.extend_from_slice(&line);
        if head.len() > MAX_HEAD_BYTES {
            return Ok(Err("431 Request Header Fields Too Large"));
        }

        if request_line.is_empty() {
            request_line = String::from_utf8_lossy(&line).trim_end().to_string();
        } else if line == b"\r\n" || line == b"\n" {
            break;
        }
    }
    let mut parts = request_line.split(' ');
    let (Some(method), Some(target), Some(version)) = (parts.next(), parts.next(), parts.next()) else {
        return Ok(Err("400 Bad Request"));
    };
    if !version.starts_with("HTTP/1.") || parts.next().is_some() {
        return Ok(Err("400 Bad Request"));
    }
    Ok(Ok((method.to_string(), target.to_string())))
}

fn respond(method: &str, target: &str, root: &Path) -> Response {
    if method != "GET" && method != "HEAD" {
        return Response { allow: true, ..Response::error("405 Method Not Allowed") };
    }
    let Some(path) = resolve(root, target) else {
        return Response::error("404 Not Found");
    };
    match std::fs::read(&path) {
        Ok(body) => Response { status: "200 OK", content_type: mime_type(&path), body, allow: false },
        Err(_) => Response::error("404 Not Found"),
    }
}

fn write_response(mut stream: TcpStream, response: &Response, head_only: bool) -> std::io::Result<()> {
    let mut head = format!(
        "HTTP/1.1 {}\r\nContent-Type: {}\r\nContent-Length: {}\r\nCache-Control: no-cache\r\n\
         X-Content-Type-Options: nosniff\r\nConnection: close\r\n",
        response.status,
        response.content_type,
        response.body.len()
    );
    if response.allow {
        head.push_str("Allow: GET, HEAD\r\n");
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes())?;
    if !head_only {
        stream.write_all(&response.body)?;
    }
    stream.flush()
}

/// Maps a request target to a file under `root`, or `None` when it must not be served.
pub fn resolve(root: &Path, target: &str) -> Option<PathBuf> {
    let path = target.split(['?', '#']).next()?;
    if !path.starts_with('/') {
        return None;
    }
    let decoded = percent_decode(path)?;
    if decoded.contains(['\\', '\0']) {
        return None;
    }

    let mut file = root.to_path_buf();
    for segment in decoded.split('/').filter(|segment| !segment.is_empty()) {
        if segment == "." || segment == ".." {
            return None;
        }
        file.push(segment);
    }
    if file.is_dir() {
        file.push("index.html");
    }

    // Symlinks could still lead out of the root.
    let file = file.canonicalize().ok()?;
    (file.starts_with(root) && file.is_file()).then_some(file)
}

/// Decodes `%XX` escapes; `None` for a malformed escape or a result that is not UTF-8.
fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        if bytes[index] == b'%' {
            let hex = std::str::from_utf8(bytes.get(index + 1..index + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            index += 3;
        } else {
            out.push(bytes[index]);
            index += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// Returns the Content-Type for a file by its extension.
pub fn mime_type(path: &Path) -> &'static str {
    match path.extension().and_then(|ext| ext.to_str()).unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "wasm" => "application/wasm",
        "json" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "txt" | "md" => "text/plain; charset=utf-8",
        "ts" => "text/plain; charset=utf-8",
        "pcap" | "pcapng" => "application/vnd.tcpdump.pcap",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn root() -> PathBuf {
        let root = std::env::temp_dir().join(format!("xtask-serve-test-{}", std::process::id()));
        std::fs::create_dir_all(root.join("sub")).unwrap();
        std::fs::write(root.join("index.html"), "<p>home</p>").unwrap();
        std::fs::write(root.join("sub/a b.js"), "x").unwrap();
        root.canonicalize().unwrap()
    }

    #[test]
    fn resolve_maps_root_to_index() {
        let root = root();
        assert_eq!(resolve(&root, "/"), Some(root.join("index.html")));
        assert_eq!(resolve(&root, "/index.html?x=1"), Some(root.join("index.html")));
    }

    #[test]
    fn resolve_decodes_percent() {
        let root = root();
        assert_eq!(resolve(&root, "/sub/a%20b.js"), Some(root.join("sub/a b.js")));
    }

    #[test]
    fn resolve_rejects_traversal() {
        let root = root();
        assert_eq!(resolve(&root, "/../etc/passwd"), None);
        assert_eq!(resolve(&root, "/sub/%2e%2e/%2e%2e/etc/passwd"), None);
        assert_eq!(resolve(&root, "/sub/..%5c..%5cindex.html"), None);
        assert_eq!(resolve(&root, "/index.html%00.js"), None);
        assert_eq!(resolve(&root, "http://example.invalid/"), None);
    }

    #[test]
    fn resolve_missing_file_is_none() {
        assert_eq!(resolve(&root(), "/nope.js"), None);
    }

    #[test]
    fn mime_type_wasm_and_js() {
        assert_eq!(mime_type(Path::new("pkg/x.wasm")), "application/wasm");
        assert_eq!(mime_type(Path::new("main.js")), "text/javascript; charset=utf-8");
    }

    #[test]
    fn respond_rejects_post() {
        let response = respond("POST", "/", &root());
        assert!(response.status.starts_with("405"));
        assert!(response.allow);
    }

    #[test]
    fn server_answers_get_and_head() {
        let root = root();
        let (listener, port) = bind(0).unwrap();
        let server_root = root.clone();
        std::thread::spawn(move || run(listener, &server_root));

        let get = exchange(port, "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        assert!(get.starts_with("HTTP/1.1 200 OK"), "{get}");
        assert!(get.ends_with("<p>home</p>"), "{get}");
        let head = exchange(port, "HEAD / HTTP/1.1\r\nHost: x\r\n\r\n");
        assert!(head.contains("Content-Length: 11"), "{head}");
        assert!(head.ends_with("\r\n\r\n"), "{head}");
        let missing = exchange(port, "GET /../x HTTP/1.1\r\n\r\n");
        assert!(missing.starts_with("HTTP/1.1 404"), "{missing}");
    }

    fn exchange(port: u16, request: &str) -> String {
        let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
        stream.write_all(request.as_bytes()).unwrap();
        let mut response = String::new();
        stream.read_to_string(&mut response).unwrap();
        response
    }
}
