//! Connections whose other end vanished (a phone that lost its network, a laptop shut)
//! send no FIN: the kernel would keep writing a live stream's heartbeats into them for a
//! quarter of an hour. Data left unacknowledged for 30 s now closes the connection, so
//! the next heartbeat fails and the stream ends.

use std::time::Duration;

/// How long written data may go unacknowledged before the connection is dropped.
pub const DEAD_PEER: Duration = Duration::from_secs(30);

/// Applies [`DEAD_PEER`] to an accepted connection (Linux; elsewhere a no-op).
pub fn drop_dead_peers(stream: &impl std::os::fd::AsFd) {
    #[cfg(target_os = "linux")]
    {
        let _ = socket2::SockRef::from(stream).set_tcp_user_timeout(Some(DEAD_PEER));
    }
    #[cfg(not(target_os = "linux"))]
    let _ = stream;
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::{DEAD_PEER, drop_dead_peers};

    #[test]
    fn accepted_connections_give_up_on_a_silent_peer() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let _client = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (server, _) = listener.accept().unwrap();
        let socket = socket2::SockRef::from(&server);
        assert_ne!(socket.tcp_user_timeout().unwrap(), Some(DEAD_PEER));
        drop_dead_peers(&server);
        assert_eq!(socket.tcp_user_timeout().unwrap(), Some(DEAD_PEER));
    }
}
