//! hyper answers a request it cannot parse (a URI over 64 KiB: 414; a head over its buffer
//! or with too many headers: 431; garbage: 400) itself, with an empty body, before any of our
//! code runs. This socket wrapper spots those answers as they are written — a status line
//! of one of those codes with `content-length: 0`, which our own handlers never send, since
//! every error of ours has a JSON body — and sends the error envelope in their place.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// A socket whose hyper-generated parse-error answers are rewritten into the envelope.
pub struct EnvelopeParseErrors<T> {
    inner: T,
    /// A replacement answer still being written, and how much of it has gone out.
    pending: Option<(Vec<u8>, usize)>,
}

impl<T> EnvelopeParseErrors<T> {
    pub fn new(inner: T) -> Self {
        Self {
            inner,
            pending: None,
        }
    }
}

impl<T: AsyncWrite + Unpin> EnvelopeParseErrors<T> {
    /// Writes out what is left of a replacement answer.
    fn drain(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while let Some((bytes, sent)) = &mut self.pending {
            if *sent == bytes.len() {
                self.pending = None;
                break;
            }
            let n = ready!(Pin::new(&mut self.inner).poll_write(cx, &bytes[*sent..]))?;
            if n == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            *sent += n;
        }
        Poll::Ready(Ok(()))
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for EnvelopeParseErrors<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_read(cx, buf)
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for EnvelopeParseErrors<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        ready!(this.drain(cx))?;
        if let Some(answer) = replacement(buf) {
            this.pending = Some((answer, 0));
            // hyper's answer counts as written; the replacement goes out in its place.
            let _ = this.drain(cx)?;
            return Poll::Ready(Ok(buf.len()));
        }
        Pin::new(&mut this.inner).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        ready!(this.drain(cx))?;
        Pin::new(&mut this.inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        ready!(this.drain(cx))?;
        Pin::new(&mut this.inner).poll_shutdown(cx)
    }

    // Not vectored: hyper then writes each answer's head as one buffer, which `replacement`
    // can recognise.
    fn is_write_vectored(&self) -> bool {
        false
    }
}

/// The envelope answer for a hyper parse-error answer in `buf`, if that is what it is.
fn replacement(buf: &[u8]) -> Option<Vec<u8>> {
    let (status, code, message) = match buf.get(..13)? {
        b"HTTP/1.1 414 " | b"HTTP/1.0 414 " => (
            "414 URI Too Long",
            "URI_TOO_LONG",
            "the request URI is longer than the server accepts (64 KiB)",
        ),
        b"HTTP/1.1 431 " | b"HTTP/1.0 431 " => (
            "431 Request Header Fields Too Large",
            "HEADERS_TOO_LARGE",
            "the request headers are larger than the server accepts (64 KiB, 100 headers)",
        ),
        b"HTTP/1.1 400 " | b"HTTP/1.0 400 " => (
            "400 Bad Request",
            "BAD_REQUEST",
            "the request is not valid HTTP",
        ),
        _ => return None,
    };
    let head_end = buf.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = String::from_utf8_lossy(&buf[..head_end]).to_ascii_lowercase();
    let empty = head.lines().any(|l| l.trim() == "content-length: 0");
    if !empty || head.contains("content-type:") {
        return None;
    }
    let body = serde_json::json!({"error": {"code": code, "message": message}}).to_string();
    Some(
        format!(
            "HTTP/1.1 {status}\r\ncontent-type: application/json; charset=utf-8\r\n\
             content-length: {}\r\nconnection: close\r\n\r\n{body}",
            body.len()
        )
        .into_bytes(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hypers_empty_answers_are_replaced() {
        let out = replacement(
            b"HTTP/1.1 431 Request Header Fields Too Large\r\ncontent-length: 0\r\ndate: x\r\n\r\n",
        )
        .unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.starts_with("HTTP/1.1 431 "), "{text}");
        assert!(text.ends_with(r#"{"error":{"code":"HEADERS_TOO_LARGE","message":"the request headers are larger than the server accepts (64 KiB, 100 headers)"}}"#), "{text}");
        assert!(replacement(b"HTTP/1.1 414 URI Too Long\r\ncontent-length: 0\r\n\r\n").is_some());
    }

    #[test]
    fn our_own_answers_pass_untouched() {
        let ours = b"HTTP/1.1 400 Bad Request\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: 60\r\n\r\n{}";
        assert!(replacement(ours).is_none());
        assert!(replacement(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n").is_none());
        assert!(replacement(b"HTTP/1.1 400 Bad").is_none());
    }
}
