//! Raw API input for bookings and its validation into domain types. The REST handlers
//! and the chat agent both go through `BookingRequest::validate`, so a booking is
//! validated in exactly one place.

use serde::{Deserialize, Serialize};

use super::fields::{
    Address, BookingDate, BookingTime, Email, FieldError, Notes, PersonName, PhoneNumber,
    SquareFeet,
};
use super::pricing::{AddOn, Frequency, ServiceCode};

/// `POST /api/appointments` body, as received.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct BookingRequest {
    pub name: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub address: Option<String>,
    pub service_type: Option<String>,
    pub square_feet: Option<serde_json::Value>,
    pub frequency: Option<String>,
    pub add_ons: Option<Vec<String>>,
    pub date: Option<String>,
    pub time: Option<String>,
    pub notes: Option<String>,
}

/// A booking whose every field is valid.
#[derive(Debug, Clone)]
pub struct ValidBooking {
    pub name: PersonName,
    pub phone: PhoneNumber,
    pub email: Option<Email>,
    pub address: Address,
    pub service: ServiceCode,
    pub square_feet: Option<SquareFeet>,
    pub frequency: Frequency,
    pub add_ons: Vec<AddOn>,
    pub date: BookingDate,
    pub time: BookingTime,
    pub notes: Option<Notes>,
}

fn required<'a>(value: &'a Option<String>, field: &'static str) -> Result<&'a str, FieldError> {
    value
        .as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .ok_or_else(|| FieldError {
            field,
            message: "is required".to_owned(),
        })
}

/// Parses a service code, naming `serviceType` on failure.
pub fn parse_service(value: &str) -> Result<ServiceCode, FieldError> {
    value
        .parse()
        .map_err(|e: super::pricing::UnknownCode| FieldError {
            field: "serviceType",
            message: e.to_string(),
        })
}

/// Parses a frequency, defaulting to one-time.
pub fn parse_frequency(value: Option<&str>) -> Result<Frequency, FieldError> {
    match value.map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(Frequency::OneTime),
        Some(v) => v
            .parse()
            .map_err(|e: super::pricing::UnknownCode| FieldError {
                field: "frequency",
                message: e.to_string(),
            }),
    }
}

/// Parses add-on codes; duplicates count once.
pub fn parse_add_ons(values: Option<&[String]>) -> Result<Vec<AddOn>, FieldError> {
    let mut add_ons = Vec::new();
    for value in values.unwrap_or_default() {
        let add_on: AddOn = value
            .parse()
            .map_err(|e: super::pricing::UnknownCode| FieldError {
                field: "addOns",
                message: e.to_string(),
            })?;
        if !add_ons.contains(&add_on) {
            add_ons.push(add_on);
        }
    }
    Ok(add_ons)
}

/// Parses a size given as a number or a numeric string.
pub fn parse_square_feet(
    value: Option<&serde_json::Value>,
) -> Result<Option<SquareFeet>, FieldError> {
    let number = match value {
        None | Some(serde_json::Value::Null) => return Ok(None),
        Some(serde_json::Value::Number(n)) => n.as_u64(),
        Some(serde_json::Value::String(s)) => s.trim().replace(',', "").parse::<u64>().ok(),
        Some(_) => None,
    };
    let number = number
        .and_then(|n| u32::try_from(n).ok())
        .ok_or_else(|| FieldError {
            field: "squareFeet",
            message: "must be a whole number of square feet".to_owned(),
        })?;
    SquareFeet::new(number).map(Some)
}

impl BookingRequest {
    /// Validates every field; the first invalid one is reported by its API name.
    pub fn validate(&self) -> Result<ValidBooking, FieldError> {
        Ok(ValidBooking {
            name: PersonName::parse(required(&self.name, "name")?)?,
            phone: PhoneNumber::parse(required(&self.phone, "phone")?)?,
            email: match self
                .email
                .as_deref()
                .map(str::trim)
                .filter(|e| !e.is_empty())
            {
                Some(email) => Some(Email::parse(email)?),
                None => None,
            },
            address: Address::parse(required(&self.address, "address")?)?,
            service: parse_service(required(&self.service_type, "serviceType")?)?,
            square_feet: parse_square_feet(self.square_feet.as_ref())?,
            frequency: parse_frequency(self.frequency.as_deref())?,
            add_ons: parse_add_ons(self.add_ons.as_deref())?,
            date: BookingDate::parse(required(&self.date, "date")?)?,
            time: BookingTime::parse(required(&self.time, "time")?)?,
            notes: match self.notes.as_deref() {
                Some(notes) => Notes::parse(notes)?,
                None => None,
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn good() -> BookingRequest {
        BookingRequest {
            name: Some("Ana Ruiz".into()),
            phone: Some("555-201-3344".into()),
            email: Some("ana@example.com".into()),
            address: Some("12 Oak Street, Albany NY".into()),
            service_type: Some("deep".into()),
            square_feet: Some(serde_json::json!(2000)),
            frequency: None,
            add_ons: Some(vec!["pet_hair".into(), "pet_hair".into()]),
            date: Some("2026-12-08".into()),
            time: Some("14:00".into()),
            notes: None,
        }
    }

    #[test]
    fn a_complete_request_validates() {
        let valid = good().validate().unwrap();
        assert_eq!(valid.service, ServiceCode::Deep);
        assert_eq!(valid.phone.as_e164(), "+15552013344");
        assert_eq!(valid.add_ons, vec![AddOn::PetHair]);
        assert_eq!(valid.frequency, Frequency::OneTime);
    }

    #[test]
    fn each_invalid_field_is_named() {
        type Mutation = Box<dyn Fn(&mut BookingRequest)>;
        let cases: Vec<(&str, Mutation)> = vec![
            ("name", Box::new(|r| r.name = None)),
            ("phone", Box::new(|r| r.phone = Some("12".into()))),
            ("email", Box::new(|r| r.email = Some("not-an-email".into()))),
            ("address", Box::new(|r| r.address = Some("".into()))),
            (
                "serviceType",
                Box::new(|r| r.service_type = Some("gardening".into())),
            ),
            (
                "squareFeet",
                Box::new(|r| r.square_feet = Some(serde_json::json!(5))),
            ),
            (
                "squareFeet",
                Box::new(|r| r.square_feet = Some(serde_json::json!("big"))),
            ),
            (
                "frequency",
                Box::new(|r| r.frequency = Some("daily".into())),
            ),
            (
                "addOns",
                Box::new(|r| r.add_ons = Some(vec!["gold_taps".into()])),
            ),
            ("date", Box::new(|r| r.date = Some("12/08/2026".into()))),
            ("time", Box::new(|r| r.time = Some("2pm".into()))),
        ];
        for (field, mutate) in cases {
            let mut request = good();
            mutate(&mut request);
            assert_eq!(request.validate().unwrap_err().field, field);
        }
    }
}
