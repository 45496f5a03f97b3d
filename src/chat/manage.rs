//! The agent's flow for an existing booking: look it up, reschedule or cancel it with
//! the reference plus the phone or email on it, asking for confirmation first.

use chrono::{NaiveDate, NaiveTime};

use super::agent::{slot_problem, Action, Agent, AgentState, Reply, Stage};
use super::draft::Missing;
use super::extract::{Extraction, Field, Intent, TimeRequest};
use super::replies::{self, Voice};
use crate::booking::appointment::Appointment;
use crate::booking::calendar::Slot;
use crate::booking::BookingError;

/// What the customer wants to do with their booking.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ManageKind {
    Lookup,
    Reschedule,
    Cancel,
}

/// Progress of a manage flow.
#[derive(Debug, Clone)]
pub struct Manage {
    pub kind: ManageKind,
    pub reference: Option<String>,
    pub contact: Option<String>,
    pub new_date: Option<NaiveDate>,
    pub new_time: Option<NaiveTime>,
    /// Waiting for a yes on the change described last.
    pub awaiting_yes: bool,
}

fn kind_of(intent: Option<Intent>) -> Option<ManageKind> {
    match intent {
        Some(Intent::Reschedule) => Some(ManageKind::Reschedule),
        Some(Intent::Cancel) => Some(ManageKind::Cancel),
        Some(Intent::Lookup) => Some(ManageKind::Lookup),
        _ => None,
    }
}

fn ask(state: &mut AgentState, field: Field, message: String, missing: Vec<Missing>) -> Reply {
    state.asked = Some(field);
    Reply {
        missing,
        ..Reply::say(Action::CollectInfo, message)
    }
}

fn describe(appointment: &Appointment) -> String {
    format!(
        "{} ({}) on {} at {}, status {}",
        appointment.service_name,
        appointment.reference,
        replies::day(appointment.date),
        replies::clock(appointment.time),
        appointment.status
    )
}

/// One turn of the manage flow.
pub async fn respond(
    agent: &Agent,
    state: &mut AgentState,
    found: &Extraction,
    voice: Voice,
) -> Result<Reply, BookingError> {
    let mut flow = match std::mem::take(&mut state.stage) {
        Stage::Managing(flow) => flow,
        _ => Manage {
            kind: kind_of(found.intent).unwrap_or(ManageKind::Lookup),
            reference: None,
            contact: None,
            new_date: None,
            new_time: None,
            awaiting_yes: false,
        },
    };
    if let Some(kind) = kind_of(found.intent) {
        if kind != flow.kind {
            flow.kind = kind;
            flow.awaiting_yes = false;
        }
    }
    if let Some(reference) = &found.reference {
        flow.reference = Some(reference.clone());
    }
    if let Some(contact) = found.phone.clone().or_else(|| found.email.clone()) {
        flow.contact = Some(contact);
    }
    if let Some(date) = found.date {
        flow.new_date = Some(date);
        flow.awaiting_yes = false;
    }
    if let Some(TimeRequest::Exact(time)) = found.time {
        flow.new_time = Some(time);
        flow.awaiting_yes = false;
    }
    let reply = step(agent, state, &mut flow, found, voice).await?;
    // A finished flow returns to normal booking; an open one stays.
    if matches!(
        reply.action,
        Action::Rescheduled | Action::Cancelled | Action::Answer
    ) {
        state.stage = Stage::Collecting;
    } else {
        state.stage = Stage::Managing(flow);
    }
    Ok(reply)
}

async fn step(
    agent: &Agent,
    state: &mut AgentState,
    flow: &mut Manage,
    found: &Extraction,
    voice: Voice,
) -> Result<Reply, BookingError> {
    let Some(reference) = flow.reference.clone() else {
        return Ok(ask(
            state,
            Field::Reference,
            "Sure. What's your booking reference? It looks like CS-7K2M9P.".to_owned(),
            Vec::new(),
        ));
    };
    let Some(contact) = flow.contact.clone() else {
        return Ok(ask(
            state,
            Field::Contact,
            "Thanks. And the phone number or email you booked with?".to_owned(),
            vec![Missing::Phone],
        ));
    };
    let booking = agent.booking();
    let appointment = match booking.find_for_customer(&reference, &contact).await {
        Ok(appointment) => appointment,
        Err(BookingError::NotFound) => {
            flow.reference = None;
            flow.contact = None;
            return Ok(ask(
                state,
                Field::Reference,
                "I couldn't find a booking with that reference and contact. Could you check the reference?".to_owned(),
                Vec::new(),
            ));
        }
        Err(other) => return Err(other),
    };
    if flow.awaiting_yes && found.yes == Some(false) {
        return Ok(Reply::say(
            Action::Answer,
            "Okay, I've left your booking as it is. Anything else?".to_owned(),
        ));
    }
    match flow.kind {
        ManageKind::Lookup => Ok(Reply {
            appointment: Some(appointment.clone()),
            ..Reply::say(
                Action::Answer,
                format!("I found your booking: {}.", describe(&appointment)),
            )
        }),
        ManageKind::Cancel => {
            if flow.awaiting_yes && found.yes == Some(true) {
                let cancelled = booking
                    .cancel(
                        &appointment.reference,
                        &contact,
                        Some("cancelled by the customer in chat"),
                    )
                    .await?;
                return Ok(Reply {
                    appointment: Some(cancelled),
                    ..Reply::say(
                        Action::Cancelled,
                        format!(
                            "Done: booking {} is cancelled. We hope to see you another time!",
                            appointment.reference
                        ),
                    )
                });
            }
            if !appointment.status.is_active() {
                return Ok(Reply::say(
                    Action::Answer,
                    format!(
                        "That booking is already {} and can't be cancelled.",
                        appointment.status
                    ),
                ));
            }
            flow.awaiting_yes = true;
            state.asked = Some(Field::Confirmation);
            Ok(Reply {
                missing: vec![Missing::Confirmation],
                appointment: Some(appointment.clone()),
                ..Reply::say(
                    Action::Confirm,
                    format!("Cancel your {}?", describe(&appointment)),
                )
            })
        }
        ManageKind::Reschedule => {
            reschedule(agent, state, flow, found, voice, appointment, contact).await
        }
    }
}

async fn reschedule(
    agent: &Agent,
    state: &mut AgentState,
    flow: &mut Manage,
    found: &Extraction,
    voice: Voice,
    appointment: Appointment,
    contact: String,
) -> Result<Reply, BookingError> {
    let booking = agent.booking();
    let Some(date) = flow.new_date else {
        return Ok(ask(
            state,
            Field::Date,
            format!(
                "Your booking is {}. What day would you like instead?",
                describe(&appointment)
            ),
            vec![Missing::Date, Missing::Time],
        ));
    };
    let size = appointment.square_feet;
    let Some(time) = flow.new_time else {
        let offered = booking
            .suggest_slots(date, None, appointment.service_type, size, 6)
            .await?;
        state.proposed = offered.clone();
        state.asked = Some(Field::Time);
        return Ok(Reply {
            missing: vec![Missing::Time],
            slots: offered.clone(),
            ..Reply::say(
                Action::ProposeSlots,
                replies::offer_times(voice, date, &offered),
            )
        });
    };
    if flow.awaiting_yes && found.yes == Some(true) {
        return match booking
            .reschedule(&appointment.reference, &contact, date, time)
            .await
        {
            Ok(moved) => Ok(Reply {
                message: format!(
                    "Done: {} is now on {} at {}.",
                    moved.reference,
                    replies::day(moved.date),
                    replies::clock(moved.time)
                ),
                appointment: Some(moved),
                ..Reply::say(Action::Rescheduled, String::new())
            }),
            Err(BookingError::Slot(problem)) => {
                offer_instead(agent, state, flow, voice, &appointment, date, time, problem).await
            }
            Err(other) => Err(other),
        };
    }
    match booking
        .check_slot(date, time, appointment.service_type, size)
        .await
    {
        Ok(slot) => {
            flow.awaiting_yes = true;
            state.asked = Some(Field::Confirmation);
            Ok(Reply {
                missing: vec![Missing::Confirmation],
                ..Reply::say(
                    Action::Confirm,
                    format!(
                        "Move {} to {} at {}? The price stays ${}.",
                        appointment.reference,
                        replies::day(slot.date),
                        replies::clock(slot.time),
                        appointment.price.0 / 100
                    ),
                )
            })
        }
        Err(BookingError::Slot(problem)) => {
            offer_instead(agent, state, flow, voice, &appointment, date, time, problem).await
        }
        Err(other) => Err(other),
    }
}

#[expect(clippy::too_many_arguments, reason = "the context of one refusal")]
async fn offer_instead(
    agent: &Agent,
    state: &mut AgentState,
    flow: &mut Manage,
    voice: Voice,
    appointment: &Appointment,
    date: NaiveDate,
    time: NaiveTime,
    problem: crate::booking::calendar::SlotError,
) -> Result<Reply, BookingError> {
    flow.new_time = None;
    flow.awaiting_yes = false;
    let offered: Vec<Slot> = agent
        .booking()
        .suggest_slots(
            date,
            Some(time),
            appointment.service_type,
            appointment.square_feet,
            4,
        )
        .await?;
    state.proposed = offered.clone();
    state.asked = Some(Field::Time);
    Ok(Reply {
        missing: vec![Missing::Time],
        slots: offered.clone(),
        ..Reply::say(
            Action::ProposeSlots,
            replies::time_unavailable(voice, &slot_problem(problem, date, time), &offered),
        )
    })
}
