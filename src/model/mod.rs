//! The domain's rows and names, with no I/O: what the storage layer returns and the rules use.

pub mod actor;
pub mod post;

pub use actor::{ActorKind, LocalActor, RemoteActor, Role};
pub use post::{Author, MentionRef, Post, PostDetails, PostKind, Visibility};
