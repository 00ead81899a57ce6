//! The domain's rows and names, with no I/O: what the storage layer returns and the rules use.

pub mod actor;

pub use actor::{ActorKind, LocalActor, RemoteActor, Role};
