//! Actors: the local ones this server owns and signs for, and the remote ones it has verified.

use std::fmt;

use url::Url;

/// The ActivityStreams type of a local actor.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ActorKind {
    /// The instance actor: signs fetches, will send reports.
    Application,
    /// A forum.
    Group,
    /// The journal and the webinars: the Society's publishing voices.
    Organization,
    /// A member: admin, moderator or author.
    Person,
}

impl ActorKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ActorKind::Application => "Application",
            ActorKind::Group => "Group",
            ActorKind::Organization => "Organization",
            ActorKind::Person => "Person",
        }
    }

    pub fn parse(text: &str) -> Option<ActorKind> {
        [
            ActorKind::Application,
            ActorKind::Group,
            ActorKind::Organization,
            ActorKind::Person,
        ]
        .into_iter()
        .find(|kind| kind.as_str() == text)
    }
}

/// A member's role.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    Admin,
    Moderator,
    Author,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Moderator => "moderator",
            Role::Author => "author",
        }
    }

    pub fn parse(text: &str) -> Option<Role> {
        [Role::Admin, Role::Moderator, Role::Author]
            .into_iter()
            .find(|role| role.as_str() == text)
    }
}

/// An actor of this server. Its URL is derived from `name` and the configured domain.
#[derive(Clone)]
pub struct LocalActor {
    pub id: i64,
    pub name: String,
    pub kind: ActorKind,
    pub role: Option<Role>,
    pub display_name: String,
    pub summary: String,
    pub public_key_pem: String,
    /// Never served, never logged (`Debug` leaves it out).
    pub private_key_pem: String,
    pub created_at: i64,
}

impl fmt::Debug for LocalActor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LocalActor")
            .field("id", &self.id)
            .field("name", &self.name)
            .field("kind", &self.kind)
            .finish_non_exhaustive()
    }
}

/// An actor of another instance, stored only after its document was fetched and verified.
#[derive(Clone, Debug)]
pub struct RemoteActor {
    pub id: i64,
    pub ap_id: Url,
    /// `host:port` (or `host`): the instance, the unit of delivery and policy.
    pub instance: String,
    pub kind: String,
    pub preferred_username: Option<String>,
    pub display_name: Option<String>,
    pub inbox: Url,
    pub shared_inbox: Option<Url>,
    pub public_key_id: String,
    pub public_key_pem: String,
    pub fetched_at: i64,
    /// Checked http(s) addresses, as stored.
    pub avatar_url: Option<String>,
    pub profile_url: Option<String>,
}

/// The instance of a URL: its host and, when explicit, its port. `localhost:7001` and
/// `localhost:7002` are two instances.
pub fn instance_of(url: &Url) -> Option<String> {
    let host = url.host_str()?.to_ascii_lowercase();
    Some(match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host,
    })
}
