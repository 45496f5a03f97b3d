//! The built-in scheduling agent: reads a customer message, updates the draft, checks
//! the calendar through the booking service, and decides the reply. No network; the
//! booking goes through `BookingService::book`, the same path as the REST API.

use chrono::{Datelike, Duration, NaiveTime};
use serde::Serialize;

use super::draft::{Draft, Missing};
use super::extract::{Extraction, Extractor, FaqTopic, Field, Intent, TimeRequest};
use super::faq;
use super::manage::{self, Manage};
use super::replies::{self, Voice};
use crate::booking::appointment::{Appointment, BookingSource};
use crate::booking::calendar::{self, Slot, SlotError};
use crate::booking::pricing::{Quote, ServiceCode, Urgency};
use crate::booking::service::QuoteInput;
use crate::booking::{BookingError, BookingService};

/// What the reply does, as SPEC §2 names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    CollectInfo,
    Answer,
    Quote,
    ProposeSlots,
    Confirm,
    Booked,
    Rescheduled,
    Cancelled,
    Blocked,
    Fallback,
    Ended,
}

impl Action {
    /// The API code.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::CollectInfo => "collect_info",
            Action::Answer => "answer",
            Action::Quote => "quote",
            Action::ProposeSlots => "propose_slots",
            Action::Confirm => "confirm",
            Action::Booked => "booked",
            Action::Rescheduled => "rescheduled",
            Action::Cancelled => "cancelled",
            Action::Blocked => "blocked",
            Action::Fallback => "fallback",
            Action::Ended => "ended",
        }
    }
}

/// Where the conversation is.
#[derive(Debug, Clone, Default)]
pub enum Stage {
    #[default]
    Collecting,
    /// Everything is known; waiting for a yes on this slot.
    Confirming(Slot),
    /// A booking was made in this conversation.
    Booked { reference: String },
    /// Rescheduling, cancelling or looking up an existing booking.
    Managing(Manage),
}

/// The agent's memory of one conversation.
#[derive(Debug, Clone, Default)]
pub struct AgentState {
    pub draft: Draft,
    pub stage: Stage,
    /// The field asked for last, so a bare answer is understood.
    pub asked: Option<Field>,
    /// Slots offered last, so "the first one" or "2pm" can pick one.
    pub proposed: Vec<Slot>,
}

/// The agent's answer to one message.
#[derive(Debug, Clone)]
pub struct Reply {
    pub action: Action,
    pub message: String,
    pub missing: Vec<Missing>,
    pub quote: Option<Quote>,
    pub appointment: Option<Appointment>,
    pub slots: Vec<Slot>,
}

impl Reply {
    /// A reply with just a message.
    pub fn say(action: Action, message: String) -> Self {
        Reply {
            action,
            message,
            missing: Vec::new(),
            quote: None,
            appointment: None,
            slots: Vec::new(),
        }
    }
}

/// How many alternative slots to offer.
const OFFERED_SLOTS: usize = 4;

/// The extractor's field for a missing field.
pub fn field_of(missing: Missing) -> Field {
    match missing {
        Missing::ServiceType => Field::ServiceType,
        Missing::SquareFeet => Field::SquareFeet,
        Missing::Date => Field::Date,
        Missing::Time => Field::Time,
        Missing::Name => Field::Name,
        Missing::Phone => Field::Phone,
        Missing::Email => Field::Email,
        Missing::Address => Field::Address,
        Missing::Confirmation => Field::Confirmation,
    }
}

fn says_unknown_size(text: &str) -> bool {
    let text = text.to_lowercase();
    [
        "not sure",
        "don't know",
        "dont know",
        "no idea",
        "unsure",
        "not certain",
        "no clue",
    ]
    .iter()
    .any(|p| text.contains(p))
}

/// True when the message carries booking data (so it depends on this customer).
pub fn gives_booking_details(found: &Extraction) -> bool {
    found.service.is_some()
        || found.square_feet.is_some()
        || found.date.is_some()
        || found.time.is_some()
        || found.name.is_some()
        || found.phone.is_some()
        || found.email.is_some()
        || found.address.is_some()
}

/// Picks one of the offered slots from "the first one", "2pm", "Thursday at 10"...
fn pick_offered(offered: &[Slot], text: &str, found: &Extraction) -> Option<Slot> {
    let lower = text.to_lowercase();
    let ordinals = [
        (["first", "1st"], 0usize),
        (["second", "2nd"], 1),
        (["third", "3rd"], 2),
        (["fourth", "4th"], 3),
    ];
    for (words, index) in ordinals {
        if words.iter().any(|w| lower.contains(w)) {
            return offered.get(index).copied();
        }
    }
    if lower.contains("last one") || lower.contains("the last") {
        return offered.last().copied();
    }
    let any_will_do = [
        "earliest",
        "soonest",
        "first available",
        "first free",
        "any time",
        "anytime",
        "whenever",
        "any of those",
        "any is fine",
        "doesn't matter",
        "dont mind",
        "don't mind",
    ];
    if found.time.is_none() && any_will_do.iter().any(|p| lower.contains(p)) {
        return offered.first().copied();
    }
    if let Some(TimeRequest::Exact(time)) = found.time {
        return offered
            .iter()
            .find(|s| s.time == time && found.date.is_none_or(|d| d == s.date))
            .copied();
    }
    None
}

/// What the router needs from the built-in reading of a turn: whether the engine
/// understood it, and how many booking fields it found.
pub fn understanding(found: &Extraction) -> (bool, usize) {
    let fields = [
        found.service.is_some(),
        found.square_feet.is_some(),
        found.date.is_some(),
        found.time.is_some(),
        found.name.is_some(),
        found.phone.is_some(),
        found.email.is_some(),
        found.address.is_some(),
        found.reference.is_some(),
    ]
    .iter()
    .filter(|present| **present)
    .count();
    let known_intent = matches!(
        found.intent,
        Some(
            Intent::Book
                | Intent::Reschedule
                | Intent::Cancel
                | Intent::Lookup
                | Intent::Faq(_)
                | Intent::Greeting
                | Intent::Thanks
        )
    );
    (fields > 0 || known_intent || found.yes.is_some(), fields)
}

/// The built-in engine.
pub struct Agent {
    /// Compiled once and shared (the shadow agent reads with the same one).
    extractor: std::sync::Arc<Extractor>,
    booking: BookingService,
}

impl Agent {
    /// An agent booking through `booking`.
    pub fn new(extractor: std::sync::Arc<Extractor>, booking: BookingService) -> Self {
        Self { extractor, booking }
    }

    /// The booking service the agent uses.
    pub fn booking(&self) -> &BookingService {
        &self.booking
    }

    /// Reads what a message says, knowing what was asked.
    pub fn extract(&self, text: &str, state: &AgentState) -> Extraction {
        self.extractor
            .extract(text, self.booking.today(), state.asked)
    }

    /// Answers one customer message. `off_topic` comes from the safety scan.
    pub async fn respond(
        &self,
        state: &mut AgentState,
        text: &str,
        voice: Voice,
        off_topic: bool,
    ) -> Result<Reply, BookingError> {
        let found = self.extract(text, state);
        self.respond_with(state, text, &found, voice, off_topic)
            .await
    }

    /// Like `respond`, with the message already read.
    pub async fn respond_with(
        &self,
        state: &mut AgentState,
        text: &str,
        found: &Extraction,
        voice: Voice,
        off_topic: bool,
    ) -> Result<Reply, BookingError> {
        let found = found.clone();
        let manage_intent = matches!(
            found.intent,
            Some(Intent::Reschedule | Intent::Cancel | Intent::Lookup)
        );
        let in_confirmation = matches!(state.stage, Stage::Confirming(_));
        if matches!(state.stage, Stage::Managing(_)) || (manage_intent && !in_confirmation) {
            return manage::respond(self, state, &found, voice).await;
        }
        self.respond_booking(state, text, &found, voice, off_topic)
            .await
    }

    async fn respond_booking(
        &self,
        state: &mut AgentState,
        text: &str,
        found: &Extraction,
        voice: Voice,
        off_topic: bool,
    ) -> Result<Reply, BookingError> {
        let mut notes: Vec<String> = Vec::new();

        if let Some(slot) = pick_offered(&state.proposed, text, found) {
            state.draft.date = Some(slot.date);
            state.draft.time = Some(TimeRequest::Exact(slot.time));
        } else if found.yes == Some(true)
            && state.asked == Some(Field::Time)
            && found.time.is_none()
            && !state.proposed.is_empty()
        {
            let slot = state.proposed[0];
            state.draft.date = Some(slot.date);
            state.draft.time = Some(TimeRequest::Exact(slot.time));
        }

        if let Stage::Confirming(_) = state.stage {
            if !gives_booking_details(found) {
                // "Great, thanks!" in answer to "shall I book it?" is a yes.
                let agreed = found
                    .yes
                    .or((found.intent == Some(Intent::Thanks)).then_some(true));
                match agreed {
                    Some(true) => return self.book(state, voice).await,
                    Some(false) => {
                        state.stage = Stage::Collecting;
                        state.asked = None;
                        return Ok(Reply::say(
                            Action::CollectInfo,
                            replies::what_to_change(voice),
                        ));
                    }
                    None => {}
                }
            }
        }

        let (changed, rejected) = state.draft.merge(found);
        if changed {
            if let Stage::Confirming(_) | Stage::Booked { .. } = state.stage {
                state.stage = Stage::Collecting;
            }
        }
        if state.asked == Some(Field::SquareFeet)
            && found.square_feet.is_none()
            && says_unknown_size(text)
        {
            state.draft.size_unknown = true;
        }
        for rejection in rejected {
            notes.push(format!(
                "Hmm, that {} doesn't look right: {}.",
                rejection.field.as_str(),
                rejection.reason
            ));
        }

        let catalog = self.booking.catalog().await?;
        let faq_topic = match found.intent {
            Some(Intent::Faq(topic)) => Some(topic),
            _ => None,
        };
        if let Some(topic) = faq_topic {
            if topic != FaqTopic::Prices || !state.draft.job_known() {
                notes.push(faq::answer(topic, &catalog));
            }
        }

        if state.draft.is_empty() || matches!(state.stage, Stage::Booked { .. }) && !changed {
            return Ok(self.idle_reply(state, found, voice, off_topic, notes));
        }
        if off_topic && !changed {
            notes.push(replies::off_topic(voice));
        }

        self.check_size_and_date(state, &mut notes);
        let mut offered: Vec<Slot> = Vec::new();
        let mut chosen: Option<Slot> = None;
        if let (true, Some(date), Some(service)) = (
            state.draft.job_known(),
            state.draft.date,
            state.draft.service,
        ) {
            let size = state.draft.size_for_pricing();
            match state.draft.time {
                Some(TimeRequest::Window { from, to }) => {
                    let day = self.booking.availability(date, service, size).await?;
                    let window_slot = day.times.iter().find_map(|t| {
                        let time = NaiveTime::parse_from_str(t, "%H:%M").ok()?;
                        (time >= from && time < to).then_some(time)
                    });
                    match window_slot {
                        Some(time) => state.draft.time = Some(TimeRequest::Exact(time)),
                        None => {
                            state.draft.time = None;
                            offered = self
                                .booking
                                .suggest_slots(date, Some(from), service, size, OFFERED_SLOTS)
                                .await?;
                            notes.push(format!("{} has no free time then.", replies::day(date)));
                        }
                    }
                }
                Some(TimeRequest::Exact(_)) | None => {}
            }
            if let Some(time) = state.draft.exact_time() {
                match self.booking.check_slot(date, time, service, size).await {
                    Ok(slot) => chosen = Some(slot),
                    Err(BookingError::Slot(problem)) => {
                        state.draft.time = None;
                        offered = self
                            .booking
                            .suggest_slots(date, Some(time), service, size, OFFERED_SLOTS)
                            .await?;
                        notes.push(replies::time_unavailable(
                            voice,
                            &slot_problem(problem, date, time),
                            &offered,
                        ));
                    }
                    Err(other) => return Err(other),
                }
            } else if offered.is_empty() && state.draft.missing().first() == Some(&Missing::Time) {
                let day = self
                    .booking
                    .suggest_slots(date, None, service, size, 64)
                    .await?;
                let same_day: Vec<Slot> = day.iter().filter(|s| s.date == date).copied().collect();
                offered = spread(if same_day.is_empty() { &day } else { &same_day }, 6);
                if same_day.is_empty() {
                    notes.push(replies::time_unavailable(
                        voice,
                        &format!("{} is fully booked.", replies::day(date)),
                        &offered,
                    ));
                } else {
                    notes.push(replies::offer_times(voice, date, &offered));
                }
            }
        }

        let missing = state.draft.missing();
        state.proposed = offered.clone();
        if missing.is_empty() {
            if let Some(slot) = chosen {
                let quote = self.quote_for(&state.draft, slot.date).await?;
                let service = state.draft.service.unwrap_or(ServiceCode::Standard);
                notes.push(replies::confirm(voice, service, &quote, &slot));
                state.stage = Stage::Confirming(slot);
                state.asked = Some(Field::Confirmation);
                return Ok(Reply {
                    action: Action::Confirm,
                    message: notes.join(" "),
                    missing: vec![Missing::Confirmation],
                    quote: Some(quote),
                    appointment: None,
                    slots: Vec::new(),
                });
            }
        }
        let next = missing.first().copied().unwrap_or(Missing::Time);
        state.asked = Some(field_of(next));
        let mut quote = None;
        if faq_topic == Some(FaqTopic::Prices) && state.draft.job_known() {
            let date = state
                .draft
                .date
                .unwrap_or_else(|| self.booking.today() + Duration::days(7));
            let priced = self.quote_for(&state.draft, date).await?;
            notes.push(replies::price_line(&priced));
            quote = Some(priced);
        }
        if offered.is_empty() {
            notes.push(replies::ask(voice, next, state.draft.service));
        }
        let action = if !offered.is_empty() {
            Action::ProposeSlots
        } else if quote.is_some() {
            Action::Quote
        } else {
            Action::CollectInfo
        };
        Ok(Reply {
            action,
            message: notes.join(" "),
            missing,
            quote,
            appointment: None,
            slots: offered,
        })
    }

    /// A reply when no booking is in progress: FAQ answers, greetings, redirects.
    fn idle_reply(
        &self,
        state: &mut AgentState,
        found: &Extraction,
        voice: Voice,
        off_topic: bool,
        mut notes: Vec<String>,
    ) -> Reply {
        let booked = matches!(state.stage, Stage::Booked { .. });
        if notes.is_empty() {
            if off_topic {
                notes.push(replies::off_topic(voice));
            } else if booked {
                notes.push(match found.intent {
                    Some(Intent::Thanks) => replies::goodbye(voice),
                    _ => replies::not_understood(voice),
                });
            } else if matches!(found.intent, Some(Intent::Book | Intent::Greeting)) {
                state.asked = Some(Field::ServiceType);
                notes.push(replies::ask(voice, Missing::ServiceType, None));
                return Reply {
                    missing: state.draft.missing(),
                    ..Reply::say(Action::CollectInfo, notes.join(" "))
                };
            } else {
                notes.push(replies::not_understood(voice));
            }
        }
        Reply::say(Action::Answer, notes.join(" "))
    }

    /// Size above the fixed-price limit switches to an estimate; past, closed or
    /// too-far dates are cleared with the reason.
    fn check_size_and_date(&self, state: &mut AgentState, notes: &mut Vec<String>) {
        let draft = &mut state.draft;
        if let (Some(service), Some(size)) = (draft.service, draft.square_feet) {
            if service != ServiceCode::Estimate
                && size > crate::booking::pricing::MAX_TIERED_SQUARE_FEET
            {
                draft.service = Some(ServiceCode::Estimate);
                notes.push(format!(
                    "For places over 10,000 sq ft ({size} sq ft here) we can't give a fixed price online, so I'll book a free on-site estimate instead."
                ));
            }
        }
        if let Some(date) = draft.date {
            let today = self.booking.today();
            let horizon = today + Duration::days(i64::from(self.booking.rules().horizon_days));
            let problem = if date < today {
                Some(format!("{} has already passed.", replies::day(date)))
            } else if calendar::opening_hours(date.weekday()).is_none() {
                Some(format!("We're closed on {}s.", date.format("%A")))
            } else if date > horizon {
                Some("We take bookings up to 60 days ahead.".to_owned())
            } else {
                None
            };
            if let Some(problem) = problem {
                notes.push(problem);
                draft.date = None;
            }
        }
    }

    async fn quote_for(
        &self,
        draft: &Draft,
        date: chrono::NaiveDate,
    ) -> Result<Quote, BookingError> {
        self.booking
            .quote(&QuoteInput {
                service: draft.service.unwrap_or(ServiceCode::Standard),
                square_feet: draft.size_for_pricing(),
                frequency: draft.frequency.unwrap_or_default(),
                add_ons: draft.add_ons.clone(),
                urgency: Urgency::for_dates(date, self.booking.today()),
            })
            .await
    }

    /// Books the confirmed draft through the booking service.
    async fn book(&self, state: &mut AgentState, voice: Voice) -> Result<Reply, BookingError> {
        let request = state.draft.to_booking_request();
        let valid = match request.validate() {
            Ok(valid) => valid,
            Err(problem) => {
                state.stage = Stage::Collecting;
                return Ok(Reply::say(
                    Action::CollectInfo,
                    format!(
                        "Sorry, {} {}. Could you give it again?",
                        problem.field, problem.message
                    ),
                ));
            }
        };
        match self.booking.book(&valid, BookingSource::Chat).await {
            Ok(appointment) => {
                let message = replies::booked(
                    voice,
                    &appointment.reference,
                    appointment.date,
                    appointment.time,
                );
                state.stage = Stage::Booked {
                    reference: appointment.reference.clone(),
                };
                state.asked = None;
                state.proposed.clear();
                // Keep who the customer is, forget the job, for a possible second booking.
                let draft = &state.draft;
                state.draft = Draft {
                    name: draft.name.clone(),
                    phone: draft.phone.clone(),
                    email: draft.email.clone(),
                    address: draft.address.clone(),
                    ..Draft::default()
                };
                Ok(Reply {
                    appointment: Some(appointment),
                    ..Reply::say(Action::Booked, message)
                })
            }
            Err(BookingError::Slot(problem)) => {
                let (date, time) = (valid.date.get(), valid.time.get());
                let size = state.draft.size_for_pricing();
                let offered = self
                    .booking
                    .suggest_slots(date, Some(time), valid.service, size, OFFERED_SLOTS)
                    .await?;
                state.stage = Stage::Collecting;
                state.draft.time = None;
                state.asked = Some(Field::Time);
                state.proposed = offered.clone();
                Ok(Reply {
                    missing: state.draft.missing(),
                    slots: offered.clone(),
                    ..Reply::say(
                        Action::ProposeSlots,
                        replies::time_unavailable(
                            voice,
                            &slot_problem(problem, date, time),
                            &offered,
                        ),
                    )
                })
            }
            Err(other) => Err(other),
        }
    }
}

/// Why a time cannot be booked, in a sentence naming it.
pub fn slot_problem(problem: SlotError, date: chrono::NaiveDate, time: NaiveTime) -> String {
    match problem {
        SlotError::Taken => format!(
            "{} at {} is already taken.",
            replies::day(date),
            replies::clock(time)
        ),
        SlotError::OutsideHours => format!(
            "{} at {} doesn't fit: the job has to finish by closing time.",
            replies::day(date),
            replies::clock(time)
        ),
        other => other.to_string(),
    }
}

/// Up to `max` slots spread across the list (first, last and evenly between).
fn spread(slots: &[Slot], max: usize) -> Vec<Slot> {
    if slots.len() <= max || max < 2 {
        return slots.iter().take(max).copied().collect();
    }
    let step = (slots.len() - 1) as f64 / (max - 1) as f64;
    (0..max)
        .map(|i| slots[((i as f64) * step).round() as usize])
        .collect()
}
