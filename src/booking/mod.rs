//! Booking: the catalog, quotes, the calendar with crews, and appointments that can
//! never double-book. Pure rules live in `pricing`, `calendar`, `fields` and `status`;
//! `service` applies them over `repository`; `routes` is the HTTP surface.

pub mod appointment;
pub mod calendar;
pub mod fields;
pub mod pricing;
pub mod repository;
pub mod requests;
pub mod routes;
pub mod service;
pub mod status;

pub use routes::routes;
pub use service::{BookingError, BookingService};

use crate::error::AppError;
use calendar::SlotError;
use pricing::QuoteError;

impl From<fields::FieldError> for AppError {
    fn from(error: fields::FieldError) -> Self {
        AppError::validation(error.field, error.message)
    }
}

impl From<BookingError> for AppError {
    fn from(error: BookingError) -> Self {
        match error {
            BookingError::Field(field) => field.into(),
            BookingError::Quote(QuoteError::EstimateOnly { .. }) => {
                AppError::validation("squareFeet", error.to_string())
            }
            BookingError::Quote(other) => AppError::internal(other),
            BookingError::Slot(SlotError::Taken) => AppError::Conflict {
                code: "slot_unavailable",
                message: SlotError::Taken.to_string(),
            },
            BookingError::Slot(slot @ (SlotError::Closed | SlotError::TooFar)) => {
                AppError::validation("date", slot.to_string())
            }
            BookingError::Slot(slot) => AppError::validation("time", slot.to_string()),
            BookingError::NotFound => AppError::NotFound("appointment"),
            BookingError::ServiceInactive(_) => {
                AppError::validation("serviceType", error.to_string())
            }
            BookingError::InvalidTransition { .. } => AppError::Conflict {
                code: "invalid_transition",
                message: error.to_string(),
            },
            BookingError::IdempotencyMismatch => {
                AppError::validation("Idempotency-Key", error.to_string())
            }
            BookingError::Database(db) => db.into(),
        }
    }
}
