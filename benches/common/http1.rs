//! A bare HTTP/1.1 client for the load generators: keep-alive connections written and read with
//! raw tokio TCP (no HTTP client library, so that the client costs as little of the shared
//! cores as it can). A connection sends one request, reads the whole response (by
//! `Content-Length`, or chunked) and is ready for the next.

use std::net::SocketAddr;

use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
};

/// One request, ready to write.
pub struct Request {
    bytes: Vec<u8>,
}

impl Request {
    /// A request written out in full (head and body) by its caller.
    pub fn from_bytes(bytes: Vec<u8>) -> Request {
        Request { bytes }
    }

    pub fn get(host: &str, path: &str, accept: &str) -> Request {
        Request {
            bytes: format!(
                "GET {path} HTTP/1.1\r\nHost: {host}\r\nAccept: {accept}\r\n\
                 User-Agent: rounds-bench-reads\r\n\r\n"
            )
            .into_bytes(),
        }
    }
}

/// A response: its status and body.
pub struct Response {
    pub status: u16,
    pub body: Vec<u8>,
}

/// One keep-alive connection.
pub struct Connection {
    stream: TcpStream,
    /// The last response read (its body at the range [`Connection::exchange`] returned).
    pub buf: Vec<u8>,
}

impl Connection {
    pub async fn open(addr: SocketAddr) -> std::io::Result<Connection> {
        let stream = TcpStream::connect(addr).await?;
        stream.set_nodelay(true)?;
        Ok(Connection {
            stream,
            buf: Vec::with_capacity(64 * 1024),
        })
    }

    /// Sends `request` and reads the response; the body is left in `self.buf[range]`.
    pub async fn exchange(
        &mut self,
        request: &Request,
    ) -> std::io::Result<(u16, std::ops::Range<usize>)> {
        self.stream.write_all(&request.bytes).await?;
        self.buf.clear();
        let head_end = loop {
            if let Some(end) = find(&self.buf, b"\r\n\r\n") {
                break end + 4;
            }
            self.fill().await?;
        };
        let head = &self.buf[..head_end];
        let status = head
            .get(9..12)
            .and_then(|code| std::str::from_utf8(code).ok())
            .and_then(|code| code.parse::<u16>().ok())
            .ok_or_else(|| invalid("no status line"))?;
        match header_value(head, b"content-length") {
            Some(length) => {
                let length: usize = std::str::from_utf8(length)
                    .ok()
                    .and_then(|l| l.trim().parse().ok())
                    .ok_or_else(|| invalid("bad content-length"))?;
                while self.buf.len() < head_end + length {
                    self.fill().await?;
                }
                Ok((status, head_end..head_end + length))
            }
            None if header_value(head, b"transfer-encoding")
                .is_some_and(|v| v.eq_ignore_ascii_case(b"chunked")) =>
            {
                self.dechunk(head_end).await.map(|range| (status, range))
            }
            None => Err(invalid("neither content-length nor chunked")),
        }
    }

    /// Decodes a chunked body that starts at `start`, in place: the body ends up in
    /// `buf[start..end]`.
    async fn dechunk(&mut self, start: usize) -> std::io::Result<std::ops::Range<usize>> {
        let mut read = start; // where the next chunk-size line starts
        let mut write = start; // where the next decoded byte goes
        loop {
            let line_end = loop {
                if let Some(end) = find(&self.buf[read..], b"\r\n") {
                    break read + end;
                }
                self.fill().await?;
            };
            let size_text = std::str::from_utf8(&self.buf[read..line_end])
                .map_err(|_| invalid("chunk size"))?;
            let size = usize::from_str_radix(size_text.split(';').next().unwrap_or("").trim(), 16)
                .map_err(|_| invalid("chunk size"))?;
            let data = line_end + 2;
            while self.buf.len() < data + size + 2 {
                self.fill().await?;
            }
            if size == 0 {
                return Ok(start..write);
            }
            self.buf.copy_within(data..data + size, write);
            write += size;
            read = data + size + 2;
        }
    }

    async fn fill(&mut self) -> std::io::Result<()> {
        if self.buf.capacity() - self.buf.len() < 16 * 1024 {
            self.buf.reserve(64 * 1024);
        }
        let n = self.stream.read_buf(&mut self.buf).await?;
        if n == 0 {
            return Err(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                "connection closed",
            ));
        }
        Ok(())
    }

    /// One request and its response, copied out.
    pub async fn fetch(&mut self, request: &Request) -> std::io::Result<Response> {
        let (status, range) = self.exchange(request).await?;
        Ok(Response {
            status,
            body: self.buf[range].to_vec(),
        })
    }
}

fn invalid(what: &str) -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::InvalidData, what.to_string())
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}

/// The value of the header `name` (lower case) in a response head.
fn header_value<'h>(head: &'h [u8], name: &[u8]) -> Option<&'h [u8]> {
    head.split(|&b| b == b'\n').skip(1).find_map(|line| {
        let colon = line.iter().position(|&b| b == b':')?;
        line[..colon]
            .eq_ignore_ascii_case(name)
            .then(|| line[colon + 1..].trim_ascii())
    })
}
