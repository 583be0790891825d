//! A TCP proxy on 127.0.0.1 between the store and the test's Dovecot that cuts each
//! connection once the server has sent `limit` bytes through it (no limit: a plain
//! proxy), or that holds what the server sends until it is released (a slow server). Its
//! threads end when the proxy is dropped (its listener is woken and closed).

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

/// A running proxy.
pub struct Proxy {
    pub port: u16,
    stop: Arc<AtomicBool>,
    /// While set, nothing the server sends goes through.
    hold: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

/// Copies `from` to `to` until either ends, or until `limit` bytes went through; then
/// shuts both down. Nothing goes through while `hold` is set.
fn pump(mut from: TcpStream, mut to: TcpStream, limit: Option<usize>, hold: Arc<AtomicBool>) {
    let mut sent = 0usize;
    let mut buf = [0u8; 4096];
    loop {
        while hold.load(Ordering::SeqCst) {
            std::thread::sleep(Duration::from_millis(10));
        }
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
        Proxy::with_hold(server_port, limit, false)
    }

    /// A plain proxy to 127.0.0.1:`server_port` that holds what the server sends (its
    /// greeting first) until [`release`](Proxy::release).
    pub fn held(server_port: u16) -> Proxy {
        Proxy::with_hold(server_port, None, true)
    }

    /// Lets what the server sends through from now on.
    pub fn release(&self) {
        self.hold.store(false, Ordering::SeqCst);
    }

    fn with_hold(server_port: u16, limit: Option<usize>, held: bool) -> Proxy {
        let hold = Arc::new(AtomicBool::new(held));
        let holding = hold.clone();
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
                let holding = holding.clone();
                let never = Arc::new(AtomicBool::new(false));
                std::thread::spawn(move || pump(server, client, limit, holding));
                std::thread::spawn(move || pump(c2, s2, None, never));
            }
        });
        Proxy {
            port,
            stop,
            hold,
            thread: Some(thread),
        }
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        self.release();
        // Wakes the listener so its thread sees the stop and ends.
        let _ = TcpStream::connect(("127.0.0.1", self.port));
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
