//! Local actors: the built-in ones created on first start, forums, and members.

use activitypub_federation::http_signatures::generate_actor_keypair;
use argon2::{password_hash::SaltString, Argon2, PasswordHasher};
use rand::{distributions::Alphanumeric, Rng};

use crate::{
    db::{actors::NewLocalActor, Db},
    error::{Error, FieldError, Result},
    model::{ActorKind, LocalActor, Role},
};

/// The instance actor's name. It signs fetches and will send reports.
pub const INSTANCE_ACTOR: &str = "instance";

/// The actors every Rounds server has: (name, kind, display name, summary).
const BUILT_IN: [(&str, ActorKind, &str, &str); 4] = [
    (
        INSTANCE_ACTOR,
        ActorKind::Application,
        "Rounds instance actor",
        "The server itself: it signs requests and sends reports on the Society's behalf.",
    ),
    (
        "community",
        ActorKind::Group,
        "Community discussions",
        "The general discussion forum of the Society for Participatory Medicine: patients, \
         caregivers and clinicians as partners in care. Follow to see every thread; reply from \
         your own instance to take part.",
    ),
    (
        "journal",
        ActorKind::Organization,
        "Journal of Participatory Medicine",
        "Announcements of new papers in the Society's peer-reviewed journal.",
    ),
    (
        "webinars",
        ActorKind::Organization,
        "Society webinars",
        "Notices of the Society's webinars: date, time and how to join.",
    ),
];

/// Creates the built-in actors that do not exist yet (their keys in parallel). Safe to call at
/// every start, and from several processes at once.
pub async fn ensure_built_in_actors(db: &Db) -> Result<()> {
    let creations = BUILT_IN.map(|(name, kind, display_name, summary)| async move {
        if db.local_actor_by_name(name).await?.is_some() {
            return Result::<()>::Ok(());
        }
        match create_actor(db, name, kind, None, display_name, summary, None).await {
            // Another process sharing the database created it first.
            Err(err) if err.is_unique_violation() => Ok(()),
            other => {
                other?;
                tracing::info!(actor = name, "created built-in actor");
                Ok(())
            }
        }
    });
    futures::future::try_join_all(creations).await?;
    Ok(())
}

/// The longest forum title and summary accepted.
pub const MAX_TITLE: usize = 100;
pub const MAX_SUMMARY: usize = 2_000;

/// Adds a forum (a Group). Invalid fields are all reported at once (422).
pub async fn add_forum(db: &Db, name: &str, title: &str, summary: &str) -> Result<LocalActor> {
    let problems = forum_problems(name, title, summary);
    if !problems.is_empty() {
        return Err(Error::Invalid(problems));
    }
    create_actor(
        db,
        name,
        ActorKind::Group,
        None,
        title.trim(),
        summary.trim(),
        None,
    )
    .await
    .map_err(|err| match taken(err, name) {
        Error::Unprocessable(message) => Error::Invalid(vec![FieldError::new("name", message)]),
        other => other,
    })
}

/// What is wrong with the fields of a new forum, field by field (empty when nothing is).
pub fn forum_problems(name: &str, title: &str, summary: &str) -> Vec<FieldError> {
    let mut problems = Vec::new();
    if let Err(Error::Unprocessable(message)) = validate_name(name) {
        problems.push(FieldError::new("name", message));
    }
    if title.trim().is_empty() {
        problems.push(FieldError::new("title", "a forum needs a title"));
    } else if title.trim().chars().count() > MAX_TITLE {
        problems.push(FieldError::new(
            "title",
            format!("at most {MAX_TITLE} characters"),
        ));
    }
    if summary.trim().chars().count() > MAX_SUMMARY {
        problems.push(FieldError::new(
            "summary",
            format!("at most {MAX_SUMMARY} characters"),
        ));
    }
    problems
}

/// A new member and the password to hand them (shown once; only its hash is kept).
pub struct NewMember {
    pub actor: LocalActor,
    pub password: String,
}

/// Adds a member (a Person) with a role and a generated password.
pub async fn add_member(db: &Db, name: &str, role: Role) -> Result<NewMember> {
    validate_name(name)?;
    let password: String = rand::thread_rng()
        .sample_iter(&Alphanumeric)
        .take(24)
        .map(char::from)
        .collect();
    let to_hash = password.clone();
    let hash = tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut rand::thread_rng());
        Argon2::default()
            .hash_password(to_hash.as_bytes(), &salt)
            .map(|hash| hash.to_string())
    })
    .await
    .map_err(|err| Error::Internal(err.to_string()))?
    .map_err(|err| Error::Internal(err.to_string()))?;
    let actor = create_actor(
        db,
        name,
        ActorKind::Person,
        Some(role),
        name,
        "",
        Some(&hash),
    )
    .await
    .map_err(|err| taken(err, name))?;
    Ok(NewMember { actor, password })
}

fn taken(err: Error, name: &str) -> Error {
    if err.is_unique_violation() {
        Error::Unprocessable(format!("the name {name:?} is taken"))
    } else {
        err
    }
}

/// Actor names are the `acct:` user part and a URL segment: 1 to 30 of `a-z`, `0-9`, `_`.
pub fn validate_name(name: &str) -> Result<()> {
    let valid = !name.is_empty()
        && name.len() <= 30
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if valid {
        Ok(())
    } else {
        Err(Error::Unprocessable(format!(
            "invalid name {name:?}: use 1 to 30 of a-z, 0-9 and _"
        )))
    }
}

async fn create_actor(
    db: &Db,
    name: &str,
    kind: ActorKind,
    role: Option<Role>,
    display_name: &str,
    summary: &str,
    password_hash: Option<&str>,
) -> Result<LocalActor> {
    // RSA key generation takes a moment: keep it off the async workers.
    let keys = tokio::task::spawn_blocking(generate_actor_keypair)
        .await
        .map_err(|err| Error::Internal(err.to_string()))?
        .map_err(|err| Error::Internal(err.to_string()))?;
    let actor = db
        .insert_local_actor(&NewLocalActor {
            name,
            kind,
            role,
            display_name,
            summary,
            public_key_pem: &keys.public_key,
            private_key_pem: &keys.private_key,
            password_hash,
        })
        .await?;
    Ok(actor)
}
