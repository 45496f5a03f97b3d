//! The agent's tools for LLM mode (OpenAI-style function calling): their JSON schemas
//! and their execution over the booking service. Arguments are validated exactly like
//! REST input. Contact details come from the draft the built-in extractors filled from
//! the customer's own words, never from the model, which only sees redacted text.

use std::sync::LazyLock;

use chrono::NaiveDate;
use serde::Deserialize;
use serde_json::{json, Value};

use super::agent::AgentState;
use crate::booking::appointment::{Appointment, BookingSource};
use crate::booking::calendar::Slot;
use crate::booking::fields::{BookingDate, BookingTime};
use crate::booking::pricing::{Quote, Urgency};
use crate::booking::requests::{
    parse_add_ons, parse_frequency, parse_service, parse_square_feet, BookingRequest,
};
use crate::booking::service::QuoteInput;
use crate::booking::{BookingError, BookingService};
use crate::error::AppError;
use crate::llm::gateway::Tools;

/// The tools offered with every LLM call, built once: they never change, and building
/// the JSON tree for each call was a tenth of an LLM turn's CPU.
pub fn definitions() -> &'static Tools {
    static DEFINITIONS: LazyLock<Tools> = LazyLock::new(|| Tools::new(build_definitions()));
    &DEFINITIONS
}

fn build_definitions() -> Vec<Value> {
    let function = |name: &str, description: &str, parameters: Value| json!({ "type": "function", "function": { "name": name, "description": description, "parameters": parameters } });
    let job = json!({
        "serviceType": { "type": "string", "enum": ["standard", "deep", "move_in_out", "office", "carpet", "windows", "estimate"] },
        "squareFeet": { "type": "integer", "minimum": 100, "maximum": 100000 },
        "frequency": { "type": "string", "enum": ["one_time", "weekly", "biweekly", "monthly"] },
        "addOns": { "type": "array", "items": { "type": "string", "enum": ["inside_fridge", "inside_oven", "interior_windows", "pet_hair", "eco_products", "laundry"] } }
    });
    let mut booking = job.clone();
    if let Some(map) = booking.as_object_mut() {
        map.insert(
            "date".into(),
            json!({ "type": "string", "description": "YYYY-MM-DD, business-local" }),
        );
        map.insert(
            "time".into(),
            json!({ "type": "string", "description": "HH:MM, 24 h, on the 30-minute grid" }),
        );
        map.insert("notes".into(), json!({ "type": "string" }));
    }
    vec![
        function("list_services", "The catalog with hourly rates.", json!({ "type": "object", "properties": {} })),
        function("get_quote", "Price a job.", json!({ "type": "object", "properties": job, "required": ["serviceType"] })),
        function(
            "check_availability",
            "Free start times on a date for a job.",
            json!({ "type": "object", "properties": {
                "date": { "type": "string", "description": "YYYY-MM-DD" },
                "serviceType": { "type": "string" },
                "squareFeet": { "type": "integer" } }, "required": ["date", "serviceType"] }),
        ),
        function(
            "book_appointment",
            "Book after the customer confirmed. The customer's name, phone, email and address on file are used.",
            json!({ "type": "object", "properties": booking, "required": ["serviceType", "date", "time"] }),
        ),
        function(
            "reschedule_appointment",
            "Move an existing booking (the phone or email on file proves it is the customer's).",
            json!({ "type": "object", "properties": {
                "reference": { "type": "string" }, "date": { "type": "string" }, "time": { "type": "string" } },
                "required": ["reference", "date", "time"] }),
        ),
        function(
            "cancel_appointment",
            "Cancel an existing booking after the customer confirmed.",
            json!({ "type": "object", "properties": { "reference": { "type": "string" }, "reason": { "type": "string" } }, "required": ["reference"] }),
        ),
    ]
}

/// What a tool run produced, besides its JSON result for the model.
#[derive(Debug, Default)]
pub struct Effects {
    pub quote: Option<Quote>,
    pub slots: Vec<Slot>,
    pub booked: Option<Appointment>,
    pub rescheduled: Option<Appointment>,
    pub cancelled: Option<Appointment>,
}

/// The tool call could not be understood; the model gets one chance to repair it.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct Malformed(pub String);

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct JobArgs {
    service_type: Option<String>,
    square_feet: Option<Value>,
    frequency: Option<String>,
    add_ons: Option<Vec<String>>,
    date: Option<String>,
    time: Option<String>,
    notes: Option<String>,
    reference: Option<String>,
    reason: Option<String>,
}

fn field_error(field: &str, message: impl Into<String>) -> Value {
    json!({ "error": "invalid_field", "field": field, "message": message.into() })
}

/// A refusal as the model sees it, naming the invalid field exactly as the REST API's 422
/// does (an off-grid time is `time`, a closed day is `date`). A database error is not the
/// model's business: it ends the turn.
fn booking_error(error: BookingError) -> Result<Value, BookingError> {
    if matches!(error, BookingError::Database(_)) {
        return Err(error);
    }
    let message = error.to_string();
    Ok(match AppError::from(error) {
        AppError::Validation { field, message } => field_error(&field, message),
        AppError::Conflict { code, .. } => json!({ "error": code, "message": message }),
        _ => json!({ "error": "refused", "message": message }),
    })
}

/// Runs one tool call. `Err(Malformed)` for an unknown tool or unreadable arguments;
/// business refusals are returned to the model as JSON so it can explain them.
pub async fn run(
    booking: &BookingService,
    state: &mut AgentState,
    name: &str,
    arguments: &str,
    effects: &mut Effects,
) -> Result<Result<Value, BookingError>, Malformed> {
    let args: JobArgs = if arguments.trim().is_empty() {
        JobArgs::default()
    } else {
        serde_json::from_str(arguments)
            .map_err(|e| Malformed(format!("arguments of {name} are not valid JSON: {e}")))?
    };
    let result = match name {
        "list_services" => booking.catalog().await.map(|c| json!(c)),
        "get_quote" => quote(booking, state, &args, effects).await,
        "check_availability" => availability(booking, state, &args, effects).await,
        "book_appointment" => book(booking, state, &args, effects).await,
        "reschedule_appointment" | "cancel_appointment" => {
            manage(booking, state, name, &args, effects).await
        }
        other => return Err(Malformed(format!("there is no tool named `{other}`"))),
    };
    Ok(result.or_else(booking_error))
}

async fn quote(
    booking: &BookingService,
    state: &mut AgentState,
    args: &JobArgs,
    effects: &mut Effects,
) -> Result<Value, BookingError> {
    let service = parse_service(args.service_type.as_deref().unwrap_or_default())?;
    let size = parse_square_feet(args.square_feet.as_ref())?.map(|s| s.get());
    let date = args
        .date
        .as_deref()
        .and_then(|d| BookingDate::parse(d).ok())
        .map(|d| d.get());
    let quote = booking
        .quote(&QuoteInput {
            service,
            square_feet: size,
            frequency: parse_frequency(args.frequency.as_deref())?,
            add_ons: parse_add_ons(args.add_ons.as_deref())?,
            urgency: date.map_or(Urgency::Standard, |d| {
                Urgency::for_dates(d, booking.today())
            }),
        })
        .await?;
    state.draft.service = Some(service);
    if size.is_some() {
        state.draft.square_feet = size;
    }
    let value = json!(quote);
    effects.quote = Some(quote);
    Ok(value)
}

async fn availability(
    booking: &BookingService,
    state: &mut AgentState,
    args: &JobArgs,
    effects: &mut Effects,
) -> Result<Value, BookingError> {
    let date: NaiveDate = BookingDate::parse(args.date.as_deref().unwrap_or_default())?.get();
    let service = parse_service(args.service_type.as_deref().unwrap_or("standard"))?;
    let size = parse_square_feet(args.square_feet.as_ref())?.map(|s| s.get());
    let slots = booking.suggest_slots(date, None, service, size, 8).await?;
    state.draft.service = Some(service);
    state.draft.date = Some(date);
    let times: Vec<Value> = slots
        .iter()
        .map(|s| json!({ "date": s.date, "time": s.time_hhmm() }))
        .collect();
    effects.slots = slots;
    Ok(json!({ "slots": times }))
}

async fn book(
    booking: &BookingService,
    state: &mut AgentState,
    args: &JobArgs,
    effects: &mut Effects,
) -> Result<Value, BookingError> {
    let draft = &state.draft;
    let missing: Vec<&str> = [
        ("name", draft.name.is_none()),
        ("phone", draft.phone.is_none()),
        ("address", draft.address.is_none()),
    ]
    .iter()
    .filter(|(_, absent)| *absent)
    .map(|(field, _)| *field)
    .collect();
    if !missing.is_empty() {
        return Ok(
            json!({ "error": "missing_contact_details", "missing": missing,
            "message": "ask the customer for these before booking" }),
        );
    }
    let request = BookingRequest {
        name: draft.name.clone(),
        phone: draft.phone.clone(),
        email: draft.email.clone(),
        address: draft.address.clone(),
        service_type: args.service_type.clone(),
        square_feet: args.square_feet.clone(),
        frequency: args.frequency.clone(),
        add_ons: args.add_ons.clone(),
        date: args.date.clone(),
        time: args.time.clone(),
        notes: args.notes.clone(),
    };
    let valid = request.validate()?;
    let appointment = booking.book(&valid, BookingSource::Chat).await?;
    let summary = json!({ "reference": appointment.reference, "date": appointment.date,
        "time": appointment.time.format("%H:%M").to_string(), "price": appointment.price });
    effects.booked = Some(appointment);
    Ok(summary)
}

async fn manage(
    booking: &BookingService,
    state: &mut AgentState,
    name: &str,
    args: &JobArgs,
    effects: &mut Effects,
) -> Result<Value, BookingError> {
    let Some(contact) = state
        .draft
        .phone
        .clone()
        .or_else(|| state.draft.email.clone())
    else {
        return Ok(
            json!({ "error": "missing_contact_details", "missing": ["phone"],
            "message": "ask for the phone number or email used for the booking" }),
        );
    };
    let reference = args.reference.clone().unwrap_or_default();
    if name == "cancel_appointment" {
        let reason = args
            .reason
            .as_deref()
            .or(Some("cancelled by the customer in chat"));
        let cancelled = booking.cancel(&reference, &contact, reason).await?;
        let summary = json!({ "reference": cancelled.reference, "status": cancelled.status });
        effects.cancelled = Some(cancelled);
        return Ok(summary);
    }
    let date = BookingDate::parse(args.date.as_deref().unwrap_or_default())?.get();
    let time = BookingTime::parse(args.time.as_deref().unwrap_or_default())?.get();
    let moved = booking.reschedule(&reference, &contact, date, time).await?;
    let summary = json!({ "reference": moved.reference, "date": moved.date, "time": moved.time.format("%H:%M").to_string() });
    effects.rescheduled = Some(moved);
    Ok(summary)
}
