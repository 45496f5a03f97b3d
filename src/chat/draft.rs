//! The booking draft a conversation fills turn by turn, and the pure rule for what is
//! still missing. Later values replace earlier ones, so corrections just work.

use chrono::{NaiveDate, NaiveTime};
use serde::Serialize;
use serde_json::{json, Map, Value};

use super::extract::{Extraction, TimeRequest};
use crate::booking::fields::{Address, Email, PersonName, PhoneNumber};
use crate::booking::pricing::{AddOn, Frequency, ServiceCode};
use crate::booking::requests::BookingRequest;

/// A field the agent can ask for, named as in `missingFields` (SPEC §2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Missing {
    ServiceType,
    SquareFeet,
    Date,
    Time,
    Name,
    Phone,
    Email,
    Address,
    Confirmation,
}

impl Missing {
    /// The API name.
    pub fn as_str(self) -> &'static str {
        match self {
            Missing::ServiceType => "serviceType",
            Missing::SquareFeet => "squareFeet",
            Missing::Date => "date",
            Missing::Time => "time",
            Missing::Name => "name",
            Missing::Phone => "phone",
            Missing::Email => "email",
            Missing::Address => "address",
            Missing::Confirmation => "confirmation",
        }
    }
}

/// What the customer has told us so far.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Draft {
    pub service: Option<ServiceCode>,
    pub square_feet: Option<u32>,
    /// The customer does not know the size; 1,500 sq ft is priced and said so.
    pub size_unknown: bool,
    pub frequency: Option<Frequency>,
    pub add_ons: Vec<AddOn>,
    pub date: Option<NaiveDate>,
    pub time: Option<TimeRequest>,
    pub name: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub address: Option<String>,
}

/// A value the customer gave that we could not accept, with the reason to tell them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejected {
    pub field: Missing,
    pub reason: String,
}

impl Draft {
    /// Takes every value the extraction found, validating contact details the way a
    /// booking will. Returns whether any booking field changed and what was refused.
    pub fn merge(&mut self, found: &Extraction) -> (bool, Vec<Rejected>) {
        let before = self.clone();
        let mut rejected = Vec::new();
        if let Some(service) = found.service.and_then(|code| code.parse().ok()) {
            self.service = Some(service);
        }
        if let Some(size) = found.square_feet {
            self.square_feet = Some(size);
            self.size_unknown = false;
        }
        if let Some(frequency) = found.frequency.and_then(|code| code.parse().ok()) {
            self.frequency = Some(frequency);
        }
        for add_on in found
            .add_ons
            .iter()
            .filter_map(|code| code.parse::<AddOn>().ok())
        {
            if !self.add_ons.contains(&add_on) {
                self.add_ons.push(add_on);
            }
        }
        if let Some(date) = found.date {
            self.date = Some(date);
        }
        if let Some(time) = found.time {
            self.time = Some(time);
        }
        if let Some(name) = &found.name {
            match PersonName::parse(name) {
                Ok(name) => self.name = Some(name.as_str().to_owned()),
                Err(e) => rejected.push(Rejected {
                    field: Missing::Name,
                    reason: e.message,
                }),
            }
        }
        if let Some(phone) = &found.phone {
            match PhoneNumber::parse(phone) {
                Ok(phone) => self.phone = Some(phone.as_e164().to_owned()),
                Err(e) => rejected.push(Rejected {
                    field: Missing::Phone,
                    reason: e.message,
                }),
            }
        }
        if let Some(email) = &found.email {
            match Email::parse(email) {
                Ok(email) => self.email = Some(email.as_str().to_owned()),
                Err(e) => rejected.push(Rejected {
                    field: Missing::Email,
                    reason: e.message,
                }),
            }
        }
        if let Some(address) = &found.address {
            match Address::parse(address) {
                Ok(address) => self.address = Some(address.as_str().to_owned()),
                Err(e) => rejected.push(Rejected {
                    field: Missing::Address,
                    reason: e.message,
                }),
            }
        }
        (*self != before, rejected)
    }

    /// True when nothing has been collected yet.
    pub fn is_empty(&self) -> bool {
        *self == Draft::default()
    }

    /// True when the job itself (service and, unless an estimate, size) is known.
    pub fn job_known(&self) -> bool {
        match self.service {
            None => false,
            Some(ServiceCode::Estimate) => true,
            Some(_) => self.square_feet.is_some() || self.size_unknown,
        }
    }

    /// What is still needed before asking for confirmation, in the order we ask.
    /// Email is optional and never required.
    pub fn missing(&self) -> Vec<Missing> {
        let mut missing = Vec::new();
        if self.service.is_none() {
            missing.push(Missing::ServiceType);
        }
        if self.service != Some(ServiceCode::Estimate)
            && self.square_feet.is_none()
            && !self.size_unknown
        {
            missing.push(Missing::SquareFeet);
        }
        if self.date.is_none() {
            missing.push(Missing::Date);
        }
        if !matches!(self.time, Some(TimeRequest::Exact(_))) {
            missing.push(Missing::Time);
        }
        if self.name.is_none() {
            missing.push(Missing::Name);
        }
        if self.phone.is_none() {
            missing.push(Missing::Phone);
        }
        if self.address.is_none() {
            missing.push(Missing::Address);
        }
        missing
    }

    /// The exact start time, when one is chosen.
    pub fn exact_time(&self) -> Option<NaiveTime> {
        match self.time {
            Some(TimeRequest::Exact(time)) => Some(time),
            _ => None,
        }
    }

    /// The size to price and schedule with (`None` means "assume the default").
    pub fn size_for_pricing(&self) -> Option<u32> {
        if self.service == Some(ServiceCode::Estimate) {
            None
        } else {
            self.square_feet
        }
    }

    /// The same request the REST API receives, so booking has one validation path.
    pub fn to_booking_request(&self) -> BookingRequest {
        BookingRequest {
            name: self.name.clone(),
            phone: self.phone.clone(),
            email: self.email.clone(),
            address: self.address.clone(),
            service_type: self.service.map(|s| s.as_str().to_owned()),
            square_feet: self.size_for_pricing().map(|s| json!(s)),
            frequency: self.frequency.map(|f| f.as_str().to_owned()),
            add_ons: Some(self.add_ons.iter().map(|a| a.as_str().to_owned()).collect()),
            date: self.date.map(|d| d.format(DATE).to_string()),
            time: self.exact_time().map(|t| t.format(CLOCK_TIME).to_string()),
            notes: None,
        }
    }

    /// `extractedData` as the API shows it to the customer who gave it.
    pub fn view(&self) -> Value {
        let mut view = self.job_fields();
        for (key, value) in [
            ("name", &self.name),
            ("phone", &self.phone),
            ("email", &self.email),
            ("address", &self.address),
        ] {
            view.insert(key.to_owned(), json!(value));
        }
        Value::Object(view)
    }

    /// The part of the draft without personal data, safe to persist on the conversation;
    /// [`from_job_view`](Self::from_job_view) reads it back.
    pub fn job_view(&self) -> Value {
        let mut view = self.job_fields();
        view.insert("sizeUnknown".to_owned(), json!(self.size_unknown));
        Value::Object(view)
    }

    /// The draft a stored [`job_view`](Self::job_view) describes (a session restored after
    /// a restart). A missing or unreadable value stays empty and is asked again.
    pub fn from_job_view(job: &Value) -> Draft {
        let text = |key: &str| job.get(key).and_then(Value::as_str);
        Draft {
            service: text("serviceType").and_then(|s| s.parse().ok()),
            square_feet: job
                .get("squareFeet")
                .and_then(Value::as_u64)
                .and_then(|n| u32::try_from(n).ok()),
            size_unknown: job
                .get("sizeUnknown")
                .and_then(Value::as_bool)
                .unwrap_or(false),
            frequency: text("frequency").and_then(|s| s.parse().ok()),
            add_ons: job
                .get("addOns")
                .and_then(Value::as_array)
                .map(|codes| {
                    codes
                        .iter()
                        .filter_map(|code| code.as_str()?.parse().ok())
                        .collect()
                })
                .unwrap_or_default(),
            date: text("date").and_then(|d| NaiveDate::parse_from_str(d, DATE).ok()),
            time: job.get("time").and_then(time_from_view),
            ..Draft::default()
        }
    }

    /// The job's fields as both views show them.
    fn job_fields(&self) -> Map<String, Value> {
        let time = match self.time {
            Some(TimeRequest::Exact(t)) => json!(t.format(CLOCK_TIME).to_string()),
            Some(TimeRequest::Window { from, to }) => json!({
                "from": from.format(CLOCK_TIME).to_string(),
                "to": to.format(CLOCK_TIME).to_string(),
            }),
            None => Value::Null,
        };
        let fields = [
            ("serviceType", json!(self.service.map(|s| s.as_str()))),
            ("squareFeet", json!(self.square_feet)),
            ("frequency", json!(self.frequency.map(|f| f.as_str()))),
            (
                "addOns",
                json!(self.add_ons.iter().map(|a| a.as_str()).collect::<Vec<_>>()),
            ),
            ("date", json!(self.date.map(|d| d.format(DATE).to_string()))),
            ("time", time),
        ];
        fields
            .into_iter()
            .map(|(key, value)| (key.to_owned(), value))
            .collect()
    }
}

/// How the views write a date and a time of day.
const DATE: &str = "%Y-%m-%d";
const CLOCK_TIME: &str = "%H:%M";

/// A time as `job_fields` writes it: "14:30", or `{"from": "09:00", "to": "12:00"}`.
fn time_from_view(time: &Value) -> Option<TimeRequest> {
    let read = |value: &Value| {
        value
            .as_str()
            .and_then(|t| NaiveTime::parse_from_str(t, CLOCK_TIME).ok())
    };
    match time {
        Value::Object(window) => Some(TimeRequest::Window {
            from: window.get("from").and_then(read)?,
            to: window.get("to").and_then(read)?,
        }),
        exact => read(exact).map(TimeRequest::Exact),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found() -> Extraction {
        Extraction::default()
    }

    #[test]
    fn an_estimate_needs_no_size_and_email_is_never_required() {
        let mut draft = Draft::default();
        draft.merge(&Extraction {
            service: Some("estimate"),
            ..found()
        });
        assert_eq!(
            draft.missing(),
            vec![
                Missing::Date,
                Missing::Time,
                Missing::Name,
                Missing::Phone,
                Missing::Address
            ]
        );
    }

    #[test]
    fn a_later_value_replaces_an_earlier_one() {
        let mut draft = Draft::default();
        let tuesday = NaiveDate::from_ymd_opt(2026, 12, 8).unwrap();
        let friday = NaiveDate::from_ymd_opt(2026, 12, 11).unwrap();
        draft.merge(&Extraction {
            date: Some(tuesday),
            ..found()
        });
        let (changed, _) = draft.merge(&Extraction {
            date: Some(friday),
            correction: true,
            ..found()
        });
        assert!(changed);
        assert_eq!(draft.date, Some(friday));
    }

    #[test]
    fn an_invalid_phone_is_refused_with_a_reason_and_stays_missing() {
        let mut draft = Draft::default();
        let (_, rejected) = draft.merge(&Extraction {
            phone: Some("12".into()),
            ..found()
        });
        assert_eq!(rejected.len(), 1);
        assert_eq!(rejected[0].field, Missing::Phone);
        assert!(draft.missing().contains(&Missing::Phone));
    }

    #[test]
    fn a_complete_draft_becomes_a_valid_booking_request() {
        let mut draft = Draft::default();
        draft.merge(&Extraction {
            service: Some("deep"),
            square_feet: Some(2000),
            date: NaiveDate::from_ymd_opt(2026, 12, 8),
            time: NaiveTime::from_hms_opt(14, 0, 0).map(TimeRequest::Exact),
            name: Some("Ana Ruiz".into()),
            phone: Some("555-201-3344".into()),
            address: Some("12 Oak Street, Albany".into()),
            ..found()
        });
        assert!(draft.missing().is_empty());
        let valid = draft.to_booking_request().validate().unwrap();
        assert_eq!(valid.phone.as_e164(), "+15552013344");
    }
}
