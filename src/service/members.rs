//! Members' access to the API: bearer tokens (created from the command line or by a member,
//! stored as SHA-256 hashes, shown once, revocable) and the role each action needs.

use super::secrets::{random_secret, secret_hash};
use crate::{
    db::{tokens::TokenInfo, Db},
    error::{Error, FieldError, Result},
    model::{ActorKind, LocalActor, Role},
};

/// Tokens start with this, so that a leaked one is recognisable (secret scanners, logs).
pub const TOKEN_PREFIX: &str = "rounds_";

/// A token just created: its id, and the token itself, to show once.
pub struct NewToken {
    pub id: i64,
    pub token: String,
}

impl std::fmt::Debug for NewToken {
    /// Never the token.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "NewToken({})", self.id)
    }
}

/// The longest token label accepted.
pub const MAX_LABEL: usize = 100;

/// Creates a token for the member `name`.
pub async fn create_token(db: &Db, name: &str, label: &str) -> Result<NewToken> {
    if label.trim().chars().count() > MAX_LABEL {
        return Err(Error::Invalid(vec![FieldError::new(
            "label",
            format!("at most {MAX_LABEL} characters"),
        )]));
    }
    let member = db
        .local_actor_by_name(name)
        .await?
        .filter(|actor| actor.kind == ActorKind::Person)
        .ok_or(Error::NotFound)?;
    let token = format!("{TOKEN_PREFIX}{}", random_secret());
    let label = match label.trim() {
        "" => "unnamed",
        label => label,
    };
    let id = db
        .insert_api_token(member.id, &secret_hash(&token), label)
        .await?;
    Ok(NewToken { id, token })
}

/// The member a bearer token belongs to: 401 for a missing, malformed, unknown or revoked one.
/// Tokens are looked up by their hash, so no comparison of secrets happens here at all.
pub async fn authenticate(db: &Db, authorization: Option<&str>) -> Result<LocalActor> {
    let unauthorized = || Error::Unauthorized("a valid bearer token is required".into());
    let token = authorization
        .and_then(|value| value.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|token| token.starts_with(TOKEN_PREFIX) && token.len() < 200)
        .ok_or_else(unauthorized)?;
    db.member_by_token_hash(&secret_hash(token))
        .await?
        .ok_or_else(unauthorized)
}

/// 403 unless `member` has one of `roles`.
pub fn require_role(member: &LocalActor, roles: &[Role]) -> Result<()> {
    match member.role {
        Some(role) if roles.contains(&role) => Ok(()),
        _ => Err(Error::Forbidden(format!(
            "this needs the role {}",
            roles
                .iter()
                .map(|role| role.as_str())
                .collect::<Vec<_>>()
                .join(" or ")
        ))),
    }
}

/// A member's live tokens.
pub async fn tokens_of(db: &Db, member: &LocalActor) -> Result<Vec<TokenInfo>> {
    Ok(db.api_tokens_of(member.id).await?)
}

/// Revokes one of a member's tokens; 404 if it is not theirs or not live.
pub async fn revoke_token(db: &Db, member: &LocalActor, token_id: i64) -> Result<()> {
    if db.revoke_api_token(member.id, token_id).await? {
        Ok(())
    } else {
        Err(Error::NotFound)
    }
}
