//! What the agent says, per variant voice. Wording differs between `baseline`,
//! `professional` and `casual`; the facts passed in never do. Pure functions.

use chrono::{NaiveDate, NaiveTime};

use super::draft::Missing;
use crate::booking::calendar::Slot;
use crate::booking::pricing::{Quote, ServiceCode};

/// The wording of the built-in engine; each variant names one in its `voice` column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Voice {
    Baseline,
    Professional,
    Casual,
}

impl Voice {
    /// The voice of that name; unknown names speak like the baseline.
    pub fn of(variant: &str) -> Voice {
        match variant {
            "professional" => Voice::Professional,
            "casual" => Voice::Casual,
            _ => Voice::Baseline,
        }
    }

    fn pick(
        self,
        baseline: &'static str,
        professional: &'static str,
        casual: &'static str,
    ) -> &'static str {
        match self {
            Voice::Baseline => baseline,
            Voice::Professional => professional,
            Voice::Casual => casual,
        }
    }
}

/// "Wednesday, December 2".
pub fn day(date: NaiveDate) -> String {
    date.format("%A, %B %-d").to_string()
}

/// "10:00 AM".
pub fn clock(time: NaiveTime) -> String {
    time.format("%-I:%M %p").to_string()
}

/// "Wed Dec 2, 10:00 AM", for slot buttons.
pub fn slot_label(slot: &Slot) -> String {
    format!("{}, {}", slot.date.format("%a %b %-d"), clock(slot.time))
}

/// The first message of a conversation.
pub fn welcome(voice: Voice) -> String {
    voice
        .pick(
            "Hi! I'm the CleanSpace Pro booking assistant. I can quote a price and book a cleaning for you. What can I do for you today?",
            "Good day, and welcome to CleanSpace Pro. I can provide a quote and schedule your cleaning service. How may I assist you?",
            "Hey there! 👋 I can get you a price and a cleaning slot in a minute. What do you need cleaned?",
        )
        .to_owned()
}

/// The question for the next missing field.
pub fn ask(voice: Voice, field: Missing, service: Option<ServiceCode>) -> String {
    match field {
        Missing::ServiceType => voice.pick(
            "Which service would you like: standard, deep, move-in/move-out, office, carpet, windows, or a free on-site estimate?",
            "Which service may I schedule for you: standard, deep, move-in/move-out, office, carpet, window washing, or a complimentary on-site estimate?",
            "What kind of clean are we talking? Standard, deep, move-in/out, office, carpet, windows, or a free estimate visit?",
        ),
        Missing::SquareFeet => match service {
            Some(ServiceCode::Office) => voice.pick(
                "Roughly how many square feet is the office?",
                "May I ask the approximate size of the office in square feet?",
                "How big is the office, roughly, in square feet?",
            ),
            _ => voice.pick(
                "About how many square feet is the place? (If you're not sure, I can price a typical 1,500 sq ft home.)",
                "What is the approximate size of the property in square feet? If unknown, I can quote for a typical 1,500 sq ft home.",
                "Roughly how big is the place in square feet? No worries if you don't know, I'll assume 1,500.",
            ),
        },
        Missing::Date => voice.pick(
            "What day would you like us to come?",
            "On which date would you like the service?",
            "What day works for you?",
        ),
        Missing::Time => voice.pick(
            "What time would suit you?",
            "At what time would you prefer us to arrive?",
            "What time works best?",
        ),
        Missing::Name => voice.pick(
            "Great. What name should I put the booking under?",
            "Thank you. May I have your full name for the booking?",
            "Cool! What's your name?",
        ),
        Missing::Phone => voice.pick(
            "What's the best phone number to reach you? (An email for the confirmation is welcome too, but optional.)",
            "Could you provide a contact phone number? An email address for the confirmation is optional.",
            "What's a good phone number for you? (Email's optional.)",
        ),
        Missing::Email => voice.pick(
            "What email should we send the confirmation to?",
            "To which email address may we send the confirmation?",
            "What's your email?",
        ),
        Missing::Address => voice.pick(
            "And the address where we'll be cleaning?",
            "Finally, what is the service address?",
            "And where are we cleaning? (Street address please.)",
        ),
        Missing::Confirmation => voice.pick(
            "Shall I book it?",
            "Shall I confirm this booking for you?",
            "Want me to lock it in?",
        ),
    }
    .to_owned()
}

/// A one-line price summary.
pub fn price_line(quote: &Quote) -> String {
    let mut line = format!("The price is ${}", quote.total);
    if quote.frequency.is_recurring() {
        line.push_str(" per visit (10% recurring discount included)");
    }
    line.push('.');
    for note in &quote.notes {
        line.push(' ');
        line.push_str(note);
        if !note.ends_with('.') {
            line.push('.');
        }
    }
    line
}

/// The summary before booking.
pub fn confirm(voice: Voice, service: ServiceCode, quote: &Quote, slot: &Slot) -> String {
    let size = if service == ServiceCode::Estimate {
        String::new()
    } else {
        format!(" for {} sq ft", quote.square_feet)
    };
    format!(
        "{} {}{} on {} at {} ({} min). {} {}",
        voice.pick(
            "Here's what I have:",
            "To confirm:",
            "Okay, here's the plan:"
        ),
        service.display_name(),
        size,
        day(slot.date),
        clock(slot.time),
        quote.duration_minutes,
        price_line(quote),
        ask(voice, Missing::Confirmation, None)
    )
}

/// After a booking is made.
pub fn booked(voice: Voice, reference: &str, date: NaiveDate, time: NaiveTime) -> String {
    format!(
        "{} Your reference is {reference} for {} at {}. Keep it to reschedule or cancel. {}",
        voice.pick(
            "You're booked!",
            "Your appointment is confirmed.",
            "Done, you're all set! 🎉"
        ),
        day(date),
        clock(time),
        voice.pick(
            "Anything else I can help with?",
            "Is there anything else I may assist you with?",
            "Anything else?",
        )
    )
}

/// Lists slots in a sentence.
pub fn slot_list(slots: &[Slot]) -> String {
    let labels: Vec<String> = slots.iter().map(slot_label).collect();
    labels.join("; ")
}

/// When the asked time cannot be booked.
pub fn time_unavailable(voice: Voice, reason: &str, slots: &[Slot]) -> String {
    if slots.is_empty() {
        return format!(
            "{reason} {}",
            voice.pick(
                "I couldn't find a free time in the next weeks for a job this long; a free on-site estimate may be the way to go.",
                "Unfortunately I found no availability for a job of this length; I would recommend a complimentary on-site estimate.",
                "Hmm, nothing free that fits a job this long. A free estimate visit might be the way to go.",
            )
        );
    }
    format!(
        "{reason} {} {}. {}",
        voice.pick(
            "The nearest free times are:",
            "The closest available times are:",
            "Closest free spots:"
        ),
        slot_list(slots),
        voice.pick(
            "Which works for you?",
            "Which would you prefer?",
            "Any of those work?"
        )
    )
}

/// Free times offered for a day when no time was given yet.
pub fn offer_times(voice: Voice, date: NaiveDate, slots: &[Slot]) -> String {
    format!(
        "{} {}: {}. {}",
        voice.pick("On", "Availability on", "For"),
        day(date),
        slots
            .iter()
            .map(|s| clock(s.time))
            .collect::<Vec<_>>()
            .join(", "),
        voice.pick(
            "What time would suit you?",
            "Which time would you prefer?",
            "Which time works?"
        )
    )
}

/// When the customer says no at confirmation.
pub fn what_to_change(voice: Voice) -> String {
    voice
        .pick(
            "No problem. What would you like to change: the day, the time, or something else?",
            "Certainly. Which detail would you like to change?",
            "Sure thing, what should I change?",
        )
        .to_owned()
}

/// A message the safety layer stopped.
pub fn blocked(voice: Voice) -> String {
    voice
        .pick(
            "Sorry, I can't help with that. I'm here to help you book a cleaning: what can I do for you?",
            "I'm sorry, but I'm unable to assist with that request. I would be glad to help you schedule a cleaning service.",
            "Sorry, can't help with that one! Happy to sort out a cleaning though.",
        )
        .to_owned()
}

/// A clearly unrelated request.
pub fn off_topic(voice: Voice) -> String {
    voice
        .pick(
            "I'm only able to help with CleanSpace Pro cleaning services: prices, availability and bookings. Would you like a quote?",
            "I can only assist with CleanSpace Pro services, such as quotes, availability and bookings. May I help you with one of those?",
            "Ha, that's outside my lane. I only do cleaning quotes and bookings. Want one?",
        )
        .to_owned()
}

/// Said when we did not understand and nothing is pending.
pub fn not_understood(voice: Voice) -> String {
    voice
        .pick(
            "I can help you book a cleaning, get a price, or change an existing booking. What would you like to do?",
            "I can provide quotes, schedule appointments and manage existing bookings. How may I help?",
            "I can book a clean, give you a price, or change a booking. What's up?",
        )
        .to_owned()
}

/// When the conversation ends.
pub fn goodbye(voice: Voice) -> String {
    voice
        .pick(
            "Thanks for chatting with CleanSpace Pro. Have a great day!",
            "Thank you for contacting CleanSpace Pro. Have a pleasant day.",
            "Thanks, take care! 👋",
        )
        .to_owned()
}
