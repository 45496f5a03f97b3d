//! The appointment record and the JSON shape the API shows for it.

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use serde::Serialize;

use super::pricing::{AddOn, Frequency, Money, ServiceCode};
use super::status::AppointmentStatus;

/// Who created a booking.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BookingSource {
    Api,
    Chat,
}

impl BookingSource {
    /// Stored code.
    pub fn as_str(self) -> &'static str {
        match self {
            BookingSource::Api => "api",
            BookingSource::Chat => "chat",
        }
    }
}

/// A stored appointment.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Appointment {
    #[serde(skip)]
    pub id: i64,
    pub reference: String,
    pub status: AppointmentStatus,
    pub service_type: ServiceCode,
    pub service_name: &'static str,
    pub square_feet: Option<u32>,
    pub frequency: Frequency,
    pub add_ons: Vec<AddOn>,
    /// Local business date, YYYY-MM-DD.
    pub date: NaiveDate,
    /// Local start time, HH:MM.
    #[serde(serialize_with = "hh_mm")]
    pub time: NaiveTime,
    pub timezone: String,
    pub start_at: DateTime<Utc>,
    pub end_at: DateTime<Utc>,
    pub duration_minutes: u32,
    pub crew: u32,
    /// Quoted price in dollars.
    pub price: Money,
    pub name: String,
    pub phone: String,
    pub email: Option<String>,
    pub address: String,
    pub notes: Option<String>,
    pub cancel_reason: Option<String>,
    pub source: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

fn hh_mm<S: serde::Serializer>(time: &NaiveTime, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&time.format("%H:%M").to_string())
}

impl Appointment {
    /// True when `contact` is this booking's phone (any format) or email (any case).
    pub fn matches_contact(&self, contact: &str) -> bool {
        let contact = contact.trim();
        if contact.contains('@') {
            return self
                .email
                .as_deref()
                .is_some_and(|email| email.eq_ignore_ascii_case(contact));
        }
        match super::fields::PhoneNumber::parse(contact) {
            Ok(phone) => phone.as_e164() == self.phone,
            Err(_) => false,
        }
    }
}
