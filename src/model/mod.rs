//! The domain: serde types for the three files, IDs, times and the JSON Schemas.

pub mod change;
pub mod config;
pub mod flow;
pub mod id;
pub mod incident;
pub mod link;
pub mod postmortem;
pub mod roles;
pub mod schema;
pub mod time;
pub mod times;
pub mod trailer;

pub use config::{Audience, Config, Language, PostmortemPolicy, Severity, Step, StepEvent};
pub use id::{ActionId, IncidentId, next_action_number};
pub use incident::{Detection, Incident, Source, Status, TimelineEntry, TimelineKind};
pub use postmortem::{Action, ActionKind, ActionStatus, Postmortem, PostmortemStatus};
pub use time::{Day, TimeContext, Timestamp, Zone};
pub use times::{TimeKey, Times};
