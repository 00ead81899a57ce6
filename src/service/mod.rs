//! The rules, one file per area. The web pages, the inbox and the command line all call these;
//! they validate, then write through `db` (and queue deliveries in the same transaction).

pub mod actors;
pub mod conversations;
pub mod follows;
pub mod members;
pub mod mentions;
pub mod moderation;
pub mod participation;
pub mod post_rules;
pub mod profiles;
pub mod publishing;
pub mod reactions;
pub mod recent_posts;
pub mod relayed_posts;
mod reply_writes;
pub mod secrets;
pub mod sessions;
