//! A TCP proxy on 127.0.0.1 between the store and the test's Dovecot that cuts each
//! connection once the server has sent `limit` bytes through it (no limit: a plain
//! proxy). Its threads end when the proxy is dropped (its listener is woken and closed).

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;

/// A running proxy.
pub struct Proxy {
    pub port: u16,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

/// Copies `from` to `to` until either ends, or until `limit` bytes went through; then
/// shuts both down.
fn pump(mut from: TcpStream, mut to: TcpStream, limit: Option<usize>) {
    let mut sent = 0usize;
    let mut buf = [0u8; 4096];
    loop {
        let room = limit.map_or(buf.len(), |l| l.saturating_sub(sent).min(buf.len()));
        if room == 0 {
            break;
        }
        match from.read(&mut buf[..room]) {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                if to.write_all(&buf[..n]).is_err() {
                    break;
                }
                sent += n;
            }
        }
    }
    let _ = from.shutdown(Shutdown::Both);
    let _ = to.shutdown(Shutdown::Both);
}

impl Proxy {
    /// A proxy to 127.0.0.1:`server_port` cutting after `limit` bytes from the server.
    pub fn start(server_port: u16, limit: Option<usize>) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().unwrap().port();
        let stop = Arc::new(AtomicBool::new(false));
        let stopping = stop.clone();
        let thread = std::thread::spawn(move || {
            for client in listener.incoming() {
                if stopping.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(client) = client else { continue };
                let Ok(server) = TcpStream::connect(("127.0.0.1", server_port)) else {
                    continue;
                };
                let (c2, s2) = (client.try_clone().unwrap(), server.try_clone().unwrap());
                std::thread::spawn(move || pump(server, client, limit));
                std::thread::spawn(move || pump(c2, s2, None));
            }
        });
        Proxy {
            port,
            stop,
            thread: Some(thread),
        }
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wakes the listener so its thread sees the stop and ends.
        let _ = TcpStream::connect(("127.0.0.1", self.port));
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
