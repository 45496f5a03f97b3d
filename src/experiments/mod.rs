//! Experiments on agent variants: variants as data (`variants`), the canary rollout with
//! statistical gates and automatic rollback, shadow comparisons, and evaluation runs. Pure
//! rules in `assignment`, `gate` and `rollout`; services over SQL in `canary` and `shadow`.
//! It never imports `chat`, `booking` or `http`.

pub mod assignment;
pub mod canary;
pub mod gate;
pub mod repository;
pub mod rollout;
pub mod routes;
pub mod shadow;
pub mod variants;

pub use canary::CanaryService;
pub use routes::routes;
pub use shadow::ShadowService;
pub use variants::VariantCatalogue;
