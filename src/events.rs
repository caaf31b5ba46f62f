//! Live updates inside one server: which conversation just changed (a message in or out,
//! a delivery report, a teammate's action). The web chat's streams and the inbox's
//! follow it and read what is new from the database, so an event carries only an id.

use tokio::sync::broadcast;

use crate::db::ids::ConversationId;

/// Sent to every follower when the server stops, so open streams end.
const CLOSING: ConversationId = ConversationId(-1);

pub struct Events {
    sender: broadcast::Sender<ConversationId>,
}

impl Default for Events {
    fn default() -> Self {
        Events {
            sender: broadcast::channel(1024).0,
        }
    }
}

/// What a follower hears next.
#[derive(Debug, PartialEq, Eq)]
pub enum Heard {
    Changed(ConversationId),
    /// Some events were missed (a slow follower): read everything again.
    Lagged,
    Closing,
}

pub struct Follower(broadcast::Receiver<ConversationId>);

impl Follower {
    pub async fn next(&mut self) -> Heard {
        match self.0.recv().await {
            Ok(CLOSING) | Err(broadcast::error::RecvError::Closed) => Heard::Closing,
            Ok(id) => Heard::Changed(id),
            Err(broadcast::error::RecvError::Lagged(_)) => Heard::Lagged,
        }
    }
}

impl Events {
    pub fn changed(&self, conversation: ConversationId) {
        let _ = self.sender.send(conversation);
    }

    pub fn follow(&self) -> Follower {
        Follower(self.sender.subscribe())
    }

    /// Ends every stream (the server is stopping: they would hold it up).
    pub fn close(&self) {
        let _ = self.sender.send(CLOSING);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn followers_hear_changes_then_the_close() {
        let events = Events::default();
        let mut f = events.follow();
        events.changed(ConversationId(7));
        events.close();
        assert_eq!(f.next().await, Heard::Changed(ConversationId(7)));
        assert_eq!(f.next().await, Heard::Closing);
    }
}
