//! The loopback listener a browser sign-in returns to (RFC 8252 §7.3): it
//! answers the one request that carries the redirect with a page saying the
//! sign-in may be finished here, and hands its address back.

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// The most of a request the listener reads: the redirect is one line.
const MAX_REQUEST: usize = 16 * 1024;

/// What the browser is shown once it has come back.
const DONE_PAGE: &str = "<!doctype html><title>tokentop</title><p>tokentop has the answer: \
     this tab may be closed.</p>";

/// Waits for the browser's request to `path` on `listener`; returns the
/// full address it came back to (`http://127.0.0.1:PORT/path?code=…`).
/// Other requests (a favicon) get a 404 and are not the answer.
pub async fn redirect(listener: &TcpListener, path: &str) -> std::io::Result<String> {
    let port = listener.local_addr()?.port();
    loop {
        let (mut socket, _) = listener.accept().await?;
        let mut request = Vec::new();
        let mut buf = [0u8; 2048];
        while !request.windows(4).any(|w| w == b"\r\n\r\n") && request.len() < MAX_REQUEST {
            match socket.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => request.extend_from_slice(&buf[..n]),
            }
        }
        let text = String::from_utf8_lossy(&request);
        let target = text
            .lines()
            .next()
            .and_then(|line| line.strip_prefix("GET "))
            .and_then(|rest| rest.split(' ').next())
            .unwrap_or_default()
            .to_string();
        let ours = target.split('?').next() == Some(path);
        let (status, body) = if ours {
            ("200 OK", DONE_PAGE)
        } else {
            ("404 Not Found", "not here")
        };
        let answer = format!(
            "HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\n\
             Cache-Control: no-store\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
        let _ = socket.write_all(answer.as_bytes()).await;
        let _ = socket.shutdown().await;
        if ours {
            return Ok(format!("http://127.0.0.1:{port}{target}"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_redirect_is_answered_and_a_favicon_is_not_the_answer() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let waiting = tokio::spawn(async move { redirect(&listener, "/callback").await });
        let get = |path: &'static str| async move {
            let mut s = tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .unwrap();
            s.write_all(format!("GET {path} HTTP/1.1\r\nHost: x\r\n\r\n").as_bytes())
                .await
                .unwrap();
            let mut answer = String::new();
            s.read_to_string(&mut answer).await.unwrap();
            answer
        };
        assert!(get("/favicon.ico").await.starts_with("HTTP/1.1 404"));
        let page = get("/callback?code=abc&state=s").await;
        assert!(
            page.starts_with("HTTP/1.1 200") && page.contains("may be closed"),
            "{page}"
        );
        assert_eq!(
            waiting.await.unwrap().unwrap(),
            format!("http://127.0.0.1:{port}/callback?code=abc&state=s")
        );
    }
}
