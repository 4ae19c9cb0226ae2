//! One gateway socket, split in two.
//!
//! - Frames from the client (masked, possibly fragmented, to be checked) are
//!   read by tungstenite ([`Reader`]).
//! - Frames to the client are written here ([`Writer`]): a server's frames
//!   are simple (a 2–10 byte header, the payload unmasked), and writing them
//!   ourselves lets one `writev` carry a whole batch straight from the
//!   serialised events every recipient shares: nothing is copied per
//!   recipient and no connection keeps a write buffer (tungstenite's grows to
//!   the largest frame a connection ever sent, a `ready` of 70 KiB with a
//!   thousand people in it, and keeps it).
//!
//! The upgraded connection is taken back as the TCP stream it is and split
//! without a lock ([`split`]); any other transport falls back to a locked
//! split.

use std::{
    io::{self, IoSlice},
    pin::Pin,
    task::{Context, Poll},
};

use bytes::Bytes;
use hyper_util::rt::TokioIo;
use tokio::{
    io::{AsyncRead, AsyncWrite, AsyncWriteExt, ReadBuf},
    net::TcpStream,
};
use tokio_tungstenite::{
    WebSocketStream,
    tungstenite::{Utf8Bytes, protocol::Role, protocol::WebSocketConfig},
};

/// The reading half as tungstenite sees it: reads go to the socket; the
/// replies tungstenite would write on its own (pongs, the close echo) are
/// dropped, the gateway answers pings itself.
pub struct ReadSide(Pin<Box<dyn AsyncRead + Send>>);

impl AsyncRead for ReadSide {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        self.0.as_mut().poll_read(cx, buf)
    }
}

impl AsyncWrite for ReadSide {
    fn poll_write(self: Pin<&mut Self>, _: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        Poll::Ready(Ok(buf.len()))
    }
    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
    fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

impl std::fmt::Debug for ReadSide {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ReadSide")
    }
}

impl std::fmt::Debug for Writer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Writer")
    }
}

/// Client frames, decoded and checked by tungstenite.
pub type Reader = WebSocketStream<ReadSide>;

/// Frames to the client. See the module docs.
pub struct Writer(Pin<Box<dyn AsyncWrite + Send>>);

/// `writev` takes at most 1,024 slices on Linux: frames per call.
const FRAMES_PER_WRITE: usize = 500;

/// WebSocket opcodes (RFC 6455 §5.2).
const TEXT: u8 = 0x1;
const CLOSE: u8 = 0x8;
const PONG: u8 = 0xA;

/// A frame header: FIN, opcode, unmasked length.
fn header(opcode: u8, len: usize) -> ([u8; 10], usize) {
    let mut h = [0u8; 10];
    h[0] = 0x80 | opcode;
    let n = if len < 126 {
        h[1] = len as u8;
        2
    } else if let Ok(short) = u16::try_from(len) {
        h[1] = 126;
        h[2..4].copy_from_slice(&short.to_be_bytes());
        4
    } else {
        h[1] = 127;
        h[2..10].copy_from_slice(&(len as u64).to_be_bytes());
        10
    };
    (h, n)
}

impl Writer {
    /// Writes text frames, as few system calls as the kernel allows.
    ///
    /// # Errors
    /// The socket failed.
    pub async fn texts<T>(&mut self, frames: &[T]) -> io::Result<()>
    where
        T: std::ops::Deref,
        T::Target: AsRef<[u8]>,
    {
        for chunk in frames.chunks(FRAMES_PER_WRITE) {
            let headers: Vec<([u8; 10], usize)> = chunk.iter().map(|f| header(TEXT, (**f).as_ref().len())).collect();
            let mut slices: Vec<IoSlice<'_>> = Vec::with_capacity(chunk.len() * 2);
            for (f, (h, n)) in chunk.iter().zip(&headers) {
                slices.push(IoSlice::new(&h[..*n]));
                slices.push(IoSlice::new((**f).as_ref()));
            }
            self.write_all_vectored(&mut slices).await?;
        }
        Ok(())
    }

    /// Writes one text frame.
    ///
    /// # Errors
    /// The socket failed.
    pub async fn text(&mut self, frame: &Utf8Bytes) -> io::Result<()> {
        self.texts(&[frame.as_bytes()]).await
    }

    /// Answers a ping.
    ///
    /// # Errors
    /// The socket failed.
    pub async fn pong(&mut self, payload: &Bytes) -> io::Result<()> {
        let (h, n) = header(PONG, payload.len());
        self.write_all_vectored(&mut [IoSlice::new(&h[..n]), IoSlice::new(payload)]).await
    }

    /// Sends a close frame (the reason cut to fit 123 bytes) and shuts the
    /// sending side down.
    ///
    /// # Errors
    /// The socket failed.
    pub async fn close(&mut self, code: u16, reason: &str) -> io::Result<()> {
        let mut end = reason.len().min(120);
        while !reason.is_char_boundary(end) {
            end -= 1;
        }
        let mut payload = code.to_be_bytes().to_vec();
        payload.extend_from_slice(&reason.as_bytes()[..end]);
        let (h, n) = header(CLOSE, payload.len());
        self.write_all_vectored(&mut [IoSlice::new(&h[..n]), IoSlice::new(&payload)]).await?;
        self.0.shutdown().await
    }

    async fn write_all_vectored(&mut self, mut slices: &mut [IoSlice<'_>]) -> io::Result<()> {
        while !slices.is_empty() {
            let n = self.0.write_vectored(slices).await?;
            if n == 0 {
                return Err(io::ErrorKind::WriteZero.into());
            }
            IoSlice::advance_slices(&mut slices, n);
        }
        Ok(())
    }
}

/// Splits an upgraded connection into the two halves, with tungstenite
/// reading (after the bytes hyper had already read past the handshake).
pub async fn split(upgraded: hyper::upgrade::Upgraded, config: WebSocketConfig) -> (Reader, Writer) {
    type Halves = (Pin<Box<dyn AsyncRead + Send>>, Pin<Box<dyn AsyncWrite + Send>>, Bytes);
    let (read, write, already): Halves = match upgraded.downcast::<TokioIo<TcpStream>>() {
        Ok(parts) => {
            let (r, w) = parts.io.into_inner().into_split();
            (Box::pin(r), Box::pin(w), parts.read_buf)
        }
        Err(upgraded) => {
            let (r, w) = tokio::io::split(TokioIo::new(upgraded));
            (Box::pin(r), Box::pin(w), Bytes::new())
        }
    };
    let reader =
        WebSocketStream::from_partially_read(ReadSide(read), already.to_vec(), Role::Server, Some(config)).await;
    (reader, Writer(write))
}

#[cfg(test)]
mod tests {
    use super::header;

    #[test]
    fn headers_use_the_shortest_length_encoding() {
        assert_eq!(&header(0x1, 5).0[..2], &[0x81, 5]);
        let (h, n) = header(0x1, 300);
        assert_eq!(&h[..n], &[0x81, 126, 1, 44]);
        let (h, n) = header(0x1, 70_000);
        assert_eq!(&h[..n], &[0x81, 127, 0, 0, 0, 0, 0, 1, 0x11, 0x70]);
        let (h, n) = header(0xA, 0);
        assert_eq!(&h[..n], &[0x8A, 0]);
    }
}
