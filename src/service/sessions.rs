//! Members logging in with a browser: passwords checked against their argon2id hashes, sessions
//! kept by the hash of a random cookie, each with its own CSRF token.

use std::time::Duration;

use argon2::{password_hash::PasswordHash, Argon2, PasswordVerifier};

use super::secrets::{random_secret, secret_hash};
use crate::{
    db::{now_millis, Db},
    error::{Error, Result},
    model::LocalActor,
};

/// How long a session lasts.
pub const SESSION_LIFETIME: Duration = Duration::from_secs(14 * 24 * 3600);

/// A session just opened: the cookie value (shown to the browser only) and its CSRF token.
pub struct NewSession {
    pub cookie: String,
    pub csrf: String,
}

impl std::fmt::Debug for NewSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NewSession(..)")
    }
}

/// The hash of a random password, made once: what an unknown name is checked against.
async fn decoy_hash() -> Result<String> {
    static DECOY: tokio::sync::OnceCell<String> = tokio::sync::OnceCell::const_new();
    DECOY
        .get_or_try_init(|| async {
            tokio::task::spawn_blocking(|| {
                use argon2::{password_hash::SaltString, PasswordHasher};
                let salt = SaltString::generate(&mut rand::thread_rng());
                Argon2::default()
                    .hash_password(random_secret().as_bytes(), &salt)
                    .map(|hash| hash.to_string())
                    .map_err(|err| Error::Internal(err.to_string()))
            })
            .await
            .map_err(|err| Error::Internal(err.to_string()))?
        })
        .await
        .cloned()
}

/// Checks `name` and `password`; opens a session. A wrong name and a wrong password give the
/// same 401, after the same work (a hash is verified either way).
pub async fn log_in(db: &Db, name: &str, password: &str) -> Result<NewSession> {
    let found = db.member_with_password(name).await?;
    let stored = match &found {
        Some((_, hash)) => hash.clone(),
        // Verify against a real hash anyway, so that timing does not tell which names exist.
        None => decoy_hash().await?,
    };
    let password = password.to_string();
    let matches = tokio::task::spawn_blocking(move || {
        PasswordHash::new(&stored).is_ok_and(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
    })
    .await
    .map_err(|err| Error::Internal(err.to_string()))?;
    let member = match (found, matches) {
        (Some((member, _)), true) => member,
        _ => return Err(Error::Unauthorized("wrong name or password".into())),
    };
    let cookie = random_secret();
    let csrf = random_secret();
    let expires_at = now_millis() + i64::try_from(SESSION_LIFETIME.as_millis()).unwrap_or(0);
    db.insert_web_session(member.id, &secret_hash(&cookie), &csrf, expires_at)
        .await?;
    tracing::info!(member = %member.name, "logged in");
    Ok(NewSession { cookie, csrf })
}

/// The member and CSRF token of the session a cookie names, if it is live.
pub async fn session(db: &Db, cookie: &str) -> Result<Option<(LocalActor, String)>> {
    Ok(db.web_session(&secret_hash(cookie)).await?)
}

/// Ends the session a cookie names.
pub async fn log_out(db: &Db, cookie: &str) -> Result<()> {
    Ok(db.delete_web_session(&secret_hash(cookie)).await?)
}
