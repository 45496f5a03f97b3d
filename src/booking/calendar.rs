//! Appointment slots: opening hours, the start-time grid, lead time, horizon, crews and
//! travel buffers, with DST-safe local/UTC conversion. Pure: "now" and the busy jobs are
//! passed in; reading the clock and the database is the caller's job.

use chrono::{
    DateTime, Datelike, Days, NaiveDate, NaiveDateTime, NaiveTime, Offset, TimeDelta, TimeZone,
    Timelike, Utc, Weekday,
};
use chrono_tz::Tz;

/// The business rules slots are checked against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CalendarRules {
    /// Business time zone; customers see dates and times in it.
    pub tz: Tz,
    /// Crews working in parallel, numbered `1..=crews`.
    pub crews: u32,
    /// Start times fall on multiples of this many minutes after midnight.
    pub grid_minutes: u32,
    /// Travel time one crew needs between two jobs.
    pub buffer_minutes: u32,
    /// How far ahead of "now" a job must start.
    pub lead_minutes: u32,
    /// Last bookable local date, in days after today.
    pub horizon_days: u32,
}

impl Default for CalendarRules {
    /// The spec's defaults: New York, 2 crews, 30-minute grid and buffer, 2 h lead, 60 days.
    fn default() -> Self {
        CalendarRules {
            tz: chrono_tz::America::New_York,
            crews: 2,
            grid_minutes: 30,
            buffer_minutes: 30,
            lead_minutes: 120,
            horizon_days: 60,
        }
    }
}

/// A job already on a crew's calendar; the buffer is not included.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BusyJob {
    /// The crew doing it.
    pub crew: u32,
    /// When it starts.
    pub start: DateTime<Utc>,
    /// When it ends.
    pub end: DateTime<Utc>,
}

/// A bookable start, in local terms for the customer and UTC for storage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Slot {
    /// Local business date.
    pub date: NaiveDate,
    /// Local start time.
    pub time: NaiveTime,
    /// Start instant.
    pub start: DateTime<Utc>,
    /// End instant (start plus the job's duration).
    pub end: DateTime<Utc>,
    /// The lowest-numbered crew free for the whole job plus buffer.
    pub crew: u32,
}

impl Slot {
    /// The local start time as the API shows it, e.g. "09:30".
    pub fn time_hhmm(&self) -> String {
        self.time.format("%H:%M").to_string()
    }
}

/// Why a start time cannot be booked; messages are written for customers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SlotError {
    /// No opening hours that day.
    #[error("We are closed that day (we work Monday to Saturday). Please choose another day.")]
    Closed,
    /// The time is not on the start grid.
    #[error("Appointments start on the hour or the half hour, for example 10:00 or 10:30.")]
    OffGrid,
    /// The job would start before opening or end after closing.
    #[error(
        "That time is outside our opening hours (Mon–Fri 9:00–17:00, Sat 10:00–15:00); \
         the whole job has to finish by closing time."
    )]
    OutsideHours,
    /// Not enough notice.
    #[error("That is too soon: please book at least 2 hours ahead.")]
    TooSoon,
    /// Beyond the booking horizon.
    #[error("That is too far ahead: we take bookings up to 60 days in advance.")]
    TooFar,
    /// The time has already passed.
    #[error("That time has already passed. Please choose a later time.")]
    InPast,
    /// Every crew is busy then.
    #[error("That time is already taken. Please choose another time.")]
    Taken,
    /// The local time does not exist that day (clocks jump forward).
    #[error("That time does not exist on that day because the clocks change. Please choose another time.")]
    InvalidLocalTime,
}

impl SlotError {
    /// Stable snake_case code for logs and API details.
    pub fn code(self) -> &'static str {
        match self {
            SlotError::Closed => "closed",
            SlotError::OffGrid => "off_grid",
            SlotError::OutsideHours => "outside_hours",
            SlotError::TooSoon => "too_soon",
            SlotError::TooFar => "too_far",
            SlotError::InPast => "in_past",
            SlotError::Taken => "taken",
            SlotError::InvalidLocalTime => "invalid_local_time",
        }
    }
}

const fn at(hour: u32) -> NaiveTime {
    match NaiveTime::from_hms_opt(hour, 0, 0) {
        Some(time) => time,
        None => NaiveTime::MIN,
    }
}

/// Local opening and closing times: Mon–Fri 09:00–17:00, Sat 10:00–15:00, Sun closed.
pub fn opening_hours(weekday: Weekday) -> Option<(NaiveTime, NaiveTime)> {
    match weekday {
        Weekday::Sun => None,
        Weekday::Sat => Some((at(10), at(15))),
        _ => Some((at(9), at(17))),
    }
}

/// The instant of a local date and time. A time skipped by a DST jump is an error; a
/// repeated one resolves to its first occurrence.
pub fn local_to_utc(tz: Tz, date: NaiveDate, time: NaiveTime) -> Result<DateTime<Utc>, SlotError> {
    tz.from_local_datetime(&date.and_time(time))
        .earliest()
        .map(|dt| dt.with_timezone(&Utc))
        .ok_or(SlotError::InvalidLocalTime)
}

/// Whether `crew` can take a job from `start` to `end`: every other job of that crew must
/// be at least `buffer_minutes` away on both sides.
pub fn crew_is_free(
    crew: u32,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    buffer_minutes: u32,
    busy: &[BusyJob],
) -> bool {
    let buffer = TimeDelta::minutes(i64::from(buffer_minutes));
    busy.iter()
        .filter(|job| job.crew == crew)
        .all(|job| !(start < job.end + buffer && job.start < end + buffer))
}

/// Checks one local start time and assigns the lowest-numbered free crew.
pub fn check_slot(
    rules: &CalendarRules,
    date: NaiveDate,
    time: NaiveTime,
    duration_min: u32,
    now: DateTime<Utc>,
    busy: &[BusyJob],
) -> Result<Slot, SlotError> {
    check_slot_by_crew(rules, date, time, duration_min, now, |_| busy)
}

/// [`check_slot`] with each crew's jobs looked up by `jobs_of(crew)`: a caller checking
/// many start times sorts the jobs by crew once, so each check reads every job once
/// instead of once per crew (50 crews on a full calendar made that the soak's main cost).
fn check_slot_by_crew<'a>(
    rules: &CalendarRules,
    date: NaiveDate,
    time: NaiveTime,
    duration_min: u32,
    now: DateTime<Utc>,
    jobs_of: impl Fn(u32) -> &'a [BusyJob],
) -> Result<Slot, SlotError> {
    let today = local_today(rules, now);
    if date < today {
        return Err(SlotError::InPast);
    }
    if date > last_bookable_date(rules, today) {
        return Err(SlotError::TooFar);
    }
    let (open, close) = opening_hours(date.weekday()).ok_or(SlotError::Closed)?;
    let minute_of_day = time.num_seconds_from_midnight() / 60;
    if time.second() != 0 || time.nanosecond() != 0 || !minute_of_day.is_multiple_of(grid(rules)) {
        return Err(SlotError::OffGrid);
    }
    if time < open || time >= close {
        return Err(SlotError::OutsideHours);
    }
    let start = local_to_utc(rules.tz, date, time)?;
    let end = start + TimeDelta::minutes(i64::from(duration_min));
    // Compare instants, not wall-clock times, so a DST change inside opening hours
    // neither stretches nor shrinks the working day.
    let opens = boundary_instant(rules.tz, date.and_time(open), false);
    let closes = boundary_instant(rules.tz, date.and_time(close), true);
    if start < opens || end > closes {
        return Err(SlotError::OutsideHours);
    }
    if start < now {
        return Err(SlotError::InPast);
    }
    if start < now + TimeDelta::minutes(i64::from(rules.lead_minutes)) {
        return Err(SlotError::TooSoon);
    }
    (1..=rules.crews)
        .find(|&crew| crew_is_free(crew, start, end, rules.buffer_minutes, jobs_of(crew)))
        .map(|crew| Slot {
            date,
            time,
            start,
            end,
            crew,
        })
        .ok_or(SlotError::Taken)
}

/// Every free start time on a local date, in ascending local time.
pub fn free_slots(
    rules: &CalendarRules,
    date: NaiveDate,
    duration_min: u32,
    now: DateTime<Utc>,
    busy: &[BusyJob],
) -> Vec<Slot> {
    // Each of the day's start times checks every crew against the jobs it is given, so
    // give it only the jobs near this day: a calendar weeks deep made every suggestion
    // cost millions of comparisons per day searched.
    let (from, to) = with_buffer(rules, utc_window(rules.tz, date));
    let mut by_crew: Vec<Vec<BusyJob>> = vec![Vec::new(); rules.crews as usize];
    for job in busy.iter().filter(|job| job.end > from && job.start < to) {
        if let Some(jobs) = (job.crew as usize)
            .checked_sub(1)
            .and_then(|i| by_crew.get_mut(i))
        {
            jobs.push(*job);
        }
    }
    let jobs_of = |crew: u32| {
        (crew as usize)
            .checked_sub(1)
            .and_then(|i| by_crew.get(i))
            .map_or(&[][..], Vec::as_slice)
    };
    grid_times(rules, date)
        .into_iter()
        .filter_map(|time| check_slot_by_crew(rules, date, time, duration_min, now, jobs_of).ok())
        .collect()
}

/// UTC instants holding every slot of a local date: local noon ± 13 hours covers the
/// local day in any zone, DST days (23 or 25 hours) included. Jobs outside it (widened by
/// the buffer) cannot touch a slot. A little over a day, so a booked-solid calendar is
/// read one day at a time, not three.
pub fn utc_window(tz: Tz, date: NaiveDate) -> (DateTime<Utc>, DateTime<Utc>) {
    let noon = local_to_utc(
        tz,
        date,
        NaiveTime::from_hms_opt(12, 0, 0).unwrap_or_default(),
    )
    .unwrap_or_else(|_| date.and_hms_opt(12, 0, 0).unwrap_or_default().and_utc());
    (noon - TimeDelta::hours(13), noon + TimeDelta::hours(13))
}

/// A window widened by the travel buffer on both sides: the jobs overlapping it are the
/// ones that can keep a crew from a job inside the window.
pub fn with_buffer(
    rules: &CalendarRules,
    (from, to): (DateTime<Utc>, DateTime<Utc>),
) -> (DateTime<Utc>, DateTime<Utc>) {
    let buffer = TimeDelta::minutes(i64::from(rules.buffer_minutes));
    (from - buffer, to + buffer)
}

/// Alternatives to offer when a requested time cannot be booked: free slots on the same
/// day nearest to `time` (ties go to the earlier one; ascending when no time is given),
/// then the following days in order, up to the horizon, at most `max` in all.
pub fn nearest_free_slots(
    rules: &CalendarRules,
    date: NaiveDate,
    time: Option<NaiveTime>,
    duration_min: u32,
    now: DateTime<Utc>,
    busy: &[BusyJob],
    max: usize,
) -> Vec<Slot> {
    let mut search = NearestSlots::new(rules, date, time, now, max);
    if let Some((_, last)) = search.days_to_search(usize::MAX) {
        search.search_through(rules, last, duration_min, now, busy);
    }
    search.into_slots()
}

/// The search behind [`nearest_free_slots`], run a few days at a time so a caller can
/// read the calendar for just those days: on a calendar booked weeks ahead, reading every
/// job up to the horizon for each suggestion cost more than the search itself.
#[derive(Debug, Clone)]
pub struct NearestSlots {
    wanted: Option<NaiveTime>,
    max: usize,
    found: Vec<Slot>,
    /// The first day not searched yet; `None` once the search is over.
    next_day: Option<NaiveDate>,
    last_day: NaiveDate,
}

impl NearestSlots {
    pub fn new(
        rules: &CalendarRules,
        date: NaiveDate,
        time: Option<NaiveTime>,
        now: DateTime<Utc>,
        max: usize,
    ) -> Self {
        let last_day = last_bookable_date(rules, local_today(rules, now));
        Self {
            wanted: time,
            max,
            found: Vec::new(),
            next_day: (max > 0).then_some(date),
            last_day,
        }
    }

    /// The next days to search, at most `days` of them (first, last), or `None` when
    /// enough slots are found or the horizon is passed.
    pub fn days_to_search(&self, days: usize) -> Option<(NaiveDate, NaiveDate)> {
        let first = self.next_day.filter(|&day| day <= self.last_day)?;
        let span = u64::try_from(days.saturating_sub(1)).unwrap_or(u64::MAX);
        let last = first
            .checked_add_days(Days::new(span))
            .map_or(self.last_day, |day| day.min(self.last_day));
        Some((first, last))
    }

    /// Searches the pending days up to `last`; `busy` must hold every job near them.
    pub fn search_through(
        &mut self,
        rules: &CalendarRules,
        last: NaiveDate,
        duration_min: u32,
        now: DateTime<Utc>,
        busy: &[BusyJob],
    ) {
        let today = local_today(rules, now);
        while let Some(day) = self.next_day.filter(|&day| day <= last.min(self.last_day)) {
            let mut slots = free_slots(rules, day, duration_min, now, busy);
            // Only the requested day orders by distance from the wished time.
            if let Some(wanted) = self.wanted.take() {
                slots.sort_by_key(|slot| ((slot.time - wanted).num_seconds().abs(), slot.time));
            }
            let room = self.max - self.found.len();
            self.found.extend(slots.into_iter().take(room));
            self.next_day = day
                .succ_opt()
                .map(|next| next.max(today))
                .filter(|_| self.found.len() < self.max);
        }
    }

    pub fn into_slots(self) -> Vec<Slot> {
        self.found
    }
}

pub fn local_today(rules: &CalendarRules, now: DateTime<Utc>) -> NaiveDate {
    now.with_timezone(&rules.tz).date_naive()
}

fn last_bookable_date(rules: &CalendarRules, today: NaiveDate) -> NaiveDate {
    today
        .checked_add_days(Days::new(u64::from(rules.horizon_days)))
        .unwrap_or(NaiveDate::MAX)
}

fn grid(rules: &CalendarRules) -> u32 {
    rules.grid_minutes.max(1)
}

/// Grid times from opening (inclusive) to closing (exclusive) on a local date.
fn grid_times(rules: &CalendarRules, date: NaiveDate) -> Vec<NaiveTime> {
    let Some((open, close)) = opening_hours(date.weekday()) else {
        return Vec::new();
    };
    let step = grid(rules);
    let first = (open.num_seconds_from_midnight() / 60).div_ceil(step) * step;
    let close_minute = close.num_seconds_from_midnight() / 60;
    (first..close_minute)
        .step_by(step as usize)
        .filter_map(|minute| NaiveTime::from_num_seconds_from_midnight_opt(minute * 60, 0))
        .collect()
}

/// The instant of an opening or closing time, taking the widest day: a repeated opening
/// time resolves to its first occurrence, a repeated closing time to its last. One skipped
/// by a DST jump moves forward by the length of the gap, as the clocks do.
fn boundary_instant(tz: Tz, local: NaiveDateTime, closing: bool) -> DateTime<Utc> {
    let resolved = tz.from_local_datetime(&local);
    if let Some(dt) = if closing {
        resolved.latest()
    } else {
        resolved.earliest()
    } {
        return dt.with_timezone(&Utc);
    }
    let before = local - TimeDelta::hours(24);
    let offset = tz
        .from_local_datetime(&before)
        .earliest()
        .map_or(0, |dt| dt.offset().fix().local_minus_utc());
    (local - TimeDelta::seconds(i64::from(offset))).and_utc()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::SecondsFormat;
    use chrono_tz::{America, Asia};

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn t(h: u32, m: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(h, m, 0).unwrap()
    }

    fn utc(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    fn rules_in(tz: Tz) -> CalendarRules {
        CalendarRules {
            tz,
            ..CalendarRules::default()
        }
    }

    fn ny() -> CalendarRules {
        rules_in(America::New_York)
    }

    /// Job of one crew from local start to local end on 2026-03-10 in New York (EDT).
    fn busy_tue(crew: u32, from: (u32, u32), to: (u32, u32)) -> BusyJob {
        let tz = America::New_York;
        BusyJob {
            crew,
            start: local_to_utc(tz, d(2026, 3, 10), t(from.0, from.1)).unwrap(),
            end: local_to_utc(tz, d(2026, 3, 10), t(to.0, to.1)).unwrap(),
        }
    }

    /// Monday 2026-03-09 08:00 in New York.
    const MONDAY_MORNING: &str = "2026-03-09T12:00:00Z";

    /// "HH:MM=UTC" for 4-hour jobs that day, after checking local and UTC agree.
    fn golden(tz: Tz, date: NaiveDate, now: &str) -> Vec<String> {
        let slots = free_slots(&rules_in(tz), date, 240, utc(now), &[]);
        for slot in &slots {
            assert_eq!(
                slot.start.with_timezone(&tz).naive_local(),
                date.and_time(slot.time)
            );
            assert_eq!(slot.end - slot.start, TimeDelta::minutes(240));
            assert_eq!(slot.crew, 1);
        }
        slots
            .iter()
            .map(|s| {
                format!(
                    "{}={}",
                    s.time_hhmm(),
                    s.start.to_rfc3339_opts(SecondsFormat::Secs, true)
                )
            })
            .collect()
    }

    const MARCH_NOW: &str = "2026-03-01T12:00:00Z";
    const OCTOBER_NOW: &str = "2026-10-25T12:00:00Z";

    #[test]
    fn the_utc_window_holds_the_whole_local_day_in_any_zone_and_on_dst_days() {
        let zones: [Tz; 4] = [
            "America/New_York".parse().unwrap(),
            "Pacific/Auckland".parse().unwrap(),
            "Pacific/Kiritimati".parse().unwrap(),
            "Pacific/Pago_Pago".parse().unwrap(),
        ];
        for tz in zones {
            let mut date = d(2026, 1, 1);
            while date.year() == 2026 {
                let (from, to) = utc_window(tz, date);
                let first = tz.from_local_datetime(&date.and_time(NaiveTime::MIN));
                let next = date.succ_opt().unwrap().and_time(NaiveTime::MIN);
                let start = first.earliest().unwrap().with_timezone(&Utc);
                let end = tz
                    .from_local_datetime(&next)
                    .latest()
                    .unwrap()
                    .with_timezone(&Utc);
                assert!(from <= start && end <= to, "{tz} {date}");
                assert!(to - from <= TimeDelta::hours(26), "{tz} {date}");
                date = date.succ_opt().unwrap();
            }
        }
    }

    #[test]
    fn new_york_friday_before_spring_forward_is_on_standard_time() {
        assert_eq!(
            golden(America::New_York, d(2026, 3, 6), MARCH_NOW),
            [
                "09:00=2026-03-06T14:00:00Z",
                "09:30=2026-03-06T14:30:00Z",
                "10:00=2026-03-06T15:00:00Z",
                "10:30=2026-03-06T15:30:00Z",
                "11:00=2026-03-06T16:00:00Z",
                "11:30=2026-03-06T16:30:00Z",
                "12:00=2026-03-06T17:00:00Z",
                "12:30=2026-03-06T17:30:00Z",
                "13:00=2026-03-06T18:00:00Z",
            ]
        );
    }

    #[test]
    fn new_york_saturday_before_spring_forward_opens_at_ten_on_standard_time() {
        assert_eq!(
            golden(America::New_York, d(2026, 3, 7), MARCH_NOW),
            [
                "10:00=2026-03-07T15:00:00Z",
                "10:30=2026-03-07T15:30:00Z",
                "11:00=2026-03-07T16:00:00Z"
            ]
        );
    }

    #[test]
    fn the_spring_forward_sunday_is_closed() {
        assert!(golden(America::New_York, d(2026, 3, 8), MARCH_NOW).is_empty());
        let err = check_slot(&ny(), d(2026, 3, 8), t(10, 0), 60, utc(MARCH_NOW), &[]);
        assert_eq!(err, Err(SlotError::Closed));
    }

    #[test]
    fn new_york_monday_after_spring_forward_is_on_daylight_time() {
        assert_eq!(
            golden(America::New_York, d(2026, 3, 9), MARCH_NOW),
            [
                "09:00=2026-03-09T13:00:00Z",
                "09:30=2026-03-09T13:30:00Z",
                "10:00=2026-03-09T14:00:00Z",
                "10:30=2026-03-09T14:30:00Z",
                "11:00=2026-03-09T15:00:00Z",
                "11:30=2026-03-09T15:30:00Z",
                "12:00=2026-03-09T16:00:00Z",
                "12:30=2026-03-09T16:30:00Z",
                "13:00=2026-03-09T17:00:00Z",
            ]
        );
    }

    #[test]
    fn los_angeles_around_spring_forward_moves_from_pst_to_pdt() {
        assert_eq!(
            golden(America::Los_Angeles, d(2026, 3, 7), MARCH_NOW),
            [
                "10:00=2026-03-07T18:00:00Z",
                "10:30=2026-03-07T18:30:00Z",
                "11:00=2026-03-07T19:00:00Z"
            ]
        );
        assert!(golden(America::Los_Angeles, d(2026, 3, 8), MARCH_NOW).is_empty());
        assert_eq!(
            golden(America::Los_Angeles, d(2026, 3, 9), MARCH_NOW),
            [
                "09:00=2026-03-09T16:00:00Z",
                "09:30=2026-03-09T16:30:00Z",
                "10:00=2026-03-09T17:00:00Z",
                "10:30=2026-03-09T17:30:00Z",
                "11:00=2026-03-09T18:00:00Z",
                "11:30=2026-03-09T18:30:00Z",
                "12:00=2026-03-09T19:00:00Z",
                "12:30=2026-03-09T19:30:00Z",
                "13:00=2026-03-09T20:00:00Z",
            ]
        );
    }

    #[test]
    fn new_york_friday_and_saturday_before_fall_back_are_on_daylight_time() {
        assert_eq!(
            golden(America::New_York, d(2026, 10, 30), OCTOBER_NOW),
            [
                "09:00=2026-10-30T13:00:00Z",
                "09:30=2026-10-30T13:30:00Z",
                "10:00=2026-10-30T14:00:00Z",
                "10:30=2026-10-30T14:30:00Z",
                "11:00=2026-10-30T15:00:00Z",
                "11:30=2026-10-30T15:30:00Z",
                "12:00=2026-10-30T16:00:00Z",
                "12:30=2026-10-30T16:30:00Z",
                "13:00=2026-10-30T17:00:00Z",
            ]
        );
        assert_eq!(
            golden(America::New_York, d(2026, 10, 31), OCTOBER_NOW),
            [
                "10:00=2026-10-31T14:00:00Z",
                "10:30=2026-10-31T14:30:00Z",
                "11:00=2026-10-31T15:00:00Z"
            ]
        );
    }

    #[test]
    fn the_fall_back_sunday_is_closed() {
        assert!(golden(America::New_York, d(2026, 11, 1), OCTOBER_NOW).is_empty());
        assert!(golden(America::Los_Angeles, d(2026, 11, 1), OCTOBER_NOW).is_empty());
    }

    #[test]
    fn new_york_monday_after_fall_back_is_on_standard_time() {
        assert_eq!(
            golden(America::New_York, d(2026, 11, 2), OCTOBER_NOW),
            [
                "09:00=2026-11-02T14:00:00Z",
                "09:30=2026-11-02T14:30:00Z",
                "10:00=2026-11-02T15:00:00Z",
                "10:30=2026-11-02T15:30:00Z",
                "11:00=2026-11-02T16:00:00Z",
                "11:30=2026-11-02T16:30:00Z",
                "12:00=2026-11-02T17:00:00Z",
                "12:30=2026-11-02T17:30:00Z",
                "13:00=2026-11-02T18:00:00Z",
            ]
        );
    }

    #[test]
    fn los_angeles_around_fall_back_moves_from_pdt_to_pst() {
        assert_eq!(
            golden(America::Los_Angeles, d(2026, 10, 31), OCTOBER_NOW),
            [
                "10:00=2026-10-31T17:00:00Z",
                "10:30=2026-10-31T17:30:00Z",
                "11:00=2026-10-31T18:00:00Z"
            ]
        );
        assert_eq!(
            golden(America::Los_Angeles, d(2026, 11, 2), OCTOBER_NOW),
            [
                "09:00=2026-11-02T17:00:00Z",
                "09:30=2026-11-02T17:30:00Z",
                "10:00=2026-11-02T18:00:00Z",
                "10:30=2026-11-02T18:30:00Z",
                "11:00=2026-11-02T19:00:00Z",
                "11:30=2026-11-02T19:30:00Z",
                "12:00=2026-11-02T20:00:00Z",
                "12:30=2026-11-02T20:30:00Z",
                "13:00=2026-11-02T21:00:00Z",
            ]
        );
    }

    #[test]
    fn zones_without_dst_keep_one_offset_all_year() {
        let tokyo = [
            "09:00=2026-03-09T00:00:00Z",
            "09:30=2026-03-09T00:30:00Z",
            "10:00=2026-03-09T01:00:00Z",
            "10:30=2026-03-09T01:30:00Z",
            "11:00=2026-03-09T02:00:00Z",
            "11:30=2026-03-09T02:30:00Z",
            "12:00=2026-03-09T03:00:00Z",
            "12:30=2026-03-09T03:30:00Z",
            "13:00=2026-03-09T04:00:00Z",
        ];
        assert_eq!(golden(Asia::Tokyo, d(2026, 3, 9), MARCH_NOW), tokyo);
        let phoenix_march = golden(America::Phoenix, d(2026, 3, 9), MARCH_NOW);
        let phoenix_november = golden(America::Phoenix, d(2026, 11, 2), OCTOBER_NOW);
        assert_eq!(
            phoenix_march.first().map(String::as_str),
            Some("09:00=2026-03-09T16:00:00Z")
        );
        assert_eq!(
            phoenix_november.first().map(String::as_str),
            Some("09:00=2026-11-02T16:00:00Z")
        );
        assert_eq!(
            phoenix_november.last().map(String::as_str),
            Some("13:00=2026-11-02T20:00:00Z")
        );
        assert_eq!(phoenix_march.len(), 9);
    }

    #[test]
    fn a_skipped_local_time_is_invalid_and_a_repeated_one_takes_the_first_instant() {
        let tz = America::New_York;
        assert_eq!(
            local_to_utc(tz, d(2026, 3, 8), t(2, 30)),
            Err(SlotError::InvalidLocalTime)
        );
        assert_eq!(
            local_to_utc(tz, d(2026, 3, 8), t(3, 0)),
            Ok(utc("2026-03-08T07:00:00Z"))
        );
        assert_eq!(
            local_to_utc(tz, d(2026, 11, 1), t(1, 30)),
            Ok(utc("2026-11-01T05:30:00Z"))
        );
        assert_eq!(
            local_to_utc(tz, d(2026, 11, 1), t(2, 0)),
            Ok(utc("2026-11-01T07:00:00Z"))
        );
    }

    #[test]
    fn day_boundaries_inside_a_dst_change_keep_the_whole_working_day() {
        let tz = America::New_York;
        let at = |day, h, m| d(2026, 11, day).and_time(t(h, m));
        assert_eq!(
            boundary_instant(tz, at(1, 1, 30), false),
            utc("2026-11-01T05:30:00Z")
        );
        assert_eq!(
            boundary_instant(tz, at(1, 1, 30), true),
            utc("2026-11-01T06:30:00Z")
        );
        let gap = d(2026, 3, 8).and_time(t(2, 30));
        assert_eq!(boundary_instant(tz, gap, true), utc("2026-03-08T07:30:00Z"));
    }

    #[test]
    fn nearest_slots_across_the_fall_back_weekend_keep_their_local_times() {
        let slots = nearest_free_slots(
            &ny(),
            d(2026, 10, 31),
            Some(t(14, 0)),
            240,
            utc(OCTOBER_NOW),
            &[],
            5,
        );
        let got: Vec<String> = slots
            .iter()
            .map(|s| {
                format!(
                    "{} {}={}",
                    s.date,
                    s.time_hhmm(),
                    s.start.to_rfc3339_opts(SecondsFormat::Secs, true)
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                "2026-10-31 11:00=2026-10-31T15:00:00Z",
                "2026-10-31 10:30=2026-10-31T14:30:00Z",
                "2026-10-31 10:00=2026-10-31T14:00:00Z",
                "2026-11-02 09:00=2026-11-02T14:00:00Z",
                "2026-11-02 09:30=2026-11-02T14:30:00Z",
            ]
        );
    }

    #[test]
    fn a_crew_needs_a_buffer_after_its_last_job() {
        let rules = CalendarRules { crews: 1, ..ny() };
        let busy = [busy_tue(1, (9, 0), (11, 0))];
        let now = utc(MONDAY_MORNING);
        assert_eq!(
            check_slot(&rules, d(2026, 3, 10), t(11, 0), 60, now, &busy),
            Err(SlotError::Taken)
        );
        assert_eq!(
            check_slot(&rules, d(2026, 3, 10), t(11, 30), 60, now, &busy).map(|s| s.crew),
            Ok(1)
        );
    }

    #[test]
    fn a_crew_needs_a_buffer_before_its_next_job() {
        let rules = CalendarRules { crews: 1, ..ny() };
        let busy = [busy_tue(1, (13, 0), (15, 0))];
        let now = utc(MONDAY_MORNING);
        assert!(check_slot(&rules, d(2026, 3, 10), t(10, 30), 120, now, &busy).is_ok());
        assert_eq!(
            check_slot(&rules, d(2026, 3, 10), t(11, 0), 120, now, &busy),
            Err(SlotError::Taken)
        );
    }

    #[test]
    fn crew_is_free_exactly_at_the_end_of_the_buffer() {
        let busy = [busy_tue(1, (9, 0), (11, 0))];
        let start = |h, m| local_to_utc(America::New_York, d(2026, 3, 10), t(h, m)).unwrap();
        assert!(crew_is_free(1, start(11, 30), start(12, 30), 30, &busy));
        assert!(!crew_is_free(1, start(11, 29), start(12, 30), 30, &busy));
        assert!(!crew_is_free(1, start(7, 0), start(8, 31), 30, &busy));
        assert!(crew_is_free(1, start(7, 0), start(8, 30), 30, &busy));
        assert!(crew_is_free(2, start(9, 0), start(11, 0), 30, &busy));
        assert!(crew_is_free(1, start(11, 0), start(12, 0), 0, &busy));
    }

    #[test]
    fn the_lowest_numbered_free_crew_gets_the_job() {
        let now = utc(MONDAY_MORNING);
        let first_busy = [busy_tue(1, (9, 0), (11, 0))];
        assert_eq!(
            check_slot(&ny(), d(2026, 3, 10), t(9, 0), 60, now, &first_busy).map(|s| s.crew),
            Ok(2)
        );
        let second_busy = [busy_tue(2, (9, 0), (11, 0))];
        assert_eq!(
            check_slot(&ny(), d(2026, 3, 10), t(9, 0), 60, now, &second_busy).map(|s| s.crew),
            Ok(1)
        );
    }

    #[test]
    fn a_slot_taken_by_both_crews_is_refused_and_not_offered() {
        let now = utc(MONDAY_MORNING);
        let busy = [busy_tue(1, (9, 0), (11, 0)), busy_tue(2, (9, 0), (11, 0))];
        assert_eq!(
            check_slot(&ny(), d(2026, 3, 10), t(10, 0), 60, now, &busy),
            Err(SlotError::Taken)
        );
        let free = free_slots(&ny(), d(2026, 3, 10), 60, now, &busy);
        assert_eq!(free.first().map(|s| s.time), Some(t(11, 30)));
        assert_eq!(free.last().map(|s| s.time), Some(t(16, 0)));
        assert_eq!(free.len(), 10);
    }

    #[test]
    fn a_job_needs_two_hours_notice() {
        let now = utc("2026-03-10T12:00:00Z"); // Tuesday 08:00 local
        assert_eq!(
            check_slot(&ny(), d(2026, 3, 10), t(9, 30), 60, now, &[]),
            Err(SlotError::TooSoon)
        );
        assert!(check_slot(&ny(), d(2026, 3, 10), t(10, 0), 60, now, &[]).is_ok());
        let free = free_slots(&ny(), d(2026, 3, 10), 60, now, &[]);
        assert_eq!(free.first().map(|s| s.time), Some(t(10, 0)));
    }

    #[test]
    fn a_time_already_gone_is_in_the_past() {
        let now = utc("2026-03-10T16:00:00Z"); // Tuesday 12:00 local
        assert_eq!(
            check_slot(&ny(), d(2026, 3, 10), t(10, 0), 60, now, &[]),
            Err(SlotError::InPast)
        );
        assert_eq!(
            check_slot(&ny(), d(2026, 3, 9), t(10, 0), 60, now, &[]),
            Err(SlotError::InPast)
        );
    }

    #[test]
    fn bookings_open_up_to_sixty_days_ahead() {
        let now = utc(MONDAY_MORNING);
        assert!(check_slot(&ny(), d(2026, 5, 8), t(9, 0), 60, now, &[]).is_ok());
        assert_eq!(
            check_slot(&ny(), d(2026, 5, 9), t(10, 0), 60, now, &[]),
            Err(SlotError::TooFar)
        );
        assert!(free_slots(&ny(), d(2026, 5, 9), 60, now, &[]).is_empty());
    }

    #[test]
    fn sunday_is_closed() {
        let now = utc(MONDAY_MORNING);
        assert_eq!(
            check_slot(&ny(), d(2026, 3, 15), t(10, 0), 60, now, &[]),
            Err(SlotError::Closed)
        );
        assert!(free_slots(&ny(), d(2026, 3, 15), 60, now, &[]).is_empty());
        assert_eq!(opening_hours(Weekday::Sun), None);
    }

    #[test]
    fn saturday_runs_from_ten_to_three() {
        let now = utc(MONDAY_MORNING);
        let sat = d(2026, 3, 14);
        assert_eq!(
            check_slot(&ny(), sat, t(9, 30), 60, now, &[]),
            Err(SlotError::OutsideHours)
        );
        assert!(check_slot(&ny(), sat, t(13, 0), 120, now, &[]).is_ok());
        assert_eq!(
            check_slot(&ny(), sat, t(13, 30), 120, now, &[]),
            Err(SlotError::OutsideHours)
        );
        assert_eq!(
            check_slot(&ny(), sat, t(15, 0), 30, now, &[]),
            Err(SlotError::OutsideHours)
        );
        let times: Vec<_> = free_slots(&ny(), sat, 120, now, &[])
            .iter()
            .map(Slot::time_hhmm)
            .collect();
        assert_eq!(
            times,
            ["10:00", "10:30", "11:00", "11:30", "12:00", "12:30", "13:00"]
        );
    }

    #[test]
    fn a_job_ending_after_closing_is_refused() {
        let now = utc(MONDAY_MORNING);
        assert_eq!(
            check_slot(&ny(), d(2026, 3, 10), t(15, 30), 120, now, &[]),
            Err(SlotError::OutsideHours)
        );
        assert!(check_slot(&ny(), d(2026, 3, 10), t(15, 0), 120, now, &[]).is_ok());
        assert_eq!(
            check_slot(&ny(), d(2026, 3, 10), t(8, 30), 30, now, &[]),
            Err(SlotError::OutsideHours)
        );
    }

    #[test]
    fn a_job_longer_than_the_day_has_no_slots() {
        let now = utc(MONDAY_MORNING);
        assert!(free_slots(&ny(), d(2026, 3, 10), 540, now, &[]).is_empty());
        assert_eq!(free_slots(&ny(), d(2026, 3, 10), 480, now, &[]).len(), 1);
    }

    #[test]
    fn start_times_must_be_on_the_half_hour_grid() {
        let now = utc(MONDAY_MORNING);
        assert_eq!(
            check_slot(&ny(), d(2026, 3, 10), t(9, 15), 60, now, &[]),
            Err(SlotError::OffGrid)
        );
        let with_seconds = NaiveTime::from_hms_opt(9, 0, 30).unwrap();
        assert_eq!(
            check_slot(&ny(), d(2026, 3, 10), with_seconds, 60, now, &[]),
            Err(SlotError::OffGrid)
        );
    }

    #[test]
    fn nearest_slots_on_the_same_day_come_by_distance_then_earlier_first() {
        let now = utc(MONDAY_MORNING);
        let busy = [
            busy_tue(1, (10, 30), (11, 30)),
            busy_tue(2, (10, 30), (11, 30)),
        ];
        let slots = nearest_free_slots(&ny(), d(2026, 3, 10), Some(t(11, 0)), 60, now, &busy, 4);
        let times: Vec<_> = slots.iter().map(Slot::time_hhmm).collect();
        assert_eq!(times, ["12:00", "12:30", "09:00", "13:00"]);
    }

    #[test]
    fn nearest_slots_move_on_from_a_closed_day_and_stop_at_the_horizon() {
        let now = utc(MONDAY_MORNING);
        let slots = nearest_free_slots(&ny(), d(2026, 3, 15), Some(t(10, 0)), 480, now, &[], 3);
        let got: Vec<_> = slots.iter().map(|s| (s.date, s.time)).collect();
        assert_eq!(
            got,
            [
                (d(2026, 3, 16), t(9, 0)),
                (d(2026, 3, 17), t(9, 0)),
                (d(2026, 3, 18), t(9, 0))
            ]
        );
        let last_day = nearest_free_slots(&ny(), d(2026, 5, 8), None, 480, now, &[], 3);
        assert_eq!(last_day.len(), 1);
        assert!(nearest_free_slots(&ny(), d(2026, 3, 10), None, 60, now, &[], 0).is_empty());
    }

    #[test]
    fn free_slots_sorted_by_crew_agree_with_checking_every_time_against_every_job() {
        let now = utc(MONDAY_MORNING);
        let rules = CalendarRules { crews: 5, ..ny() };
        // Jobs scattered over Tuesday for crews 1–5, plus one for a crew that no longer
        // exists (crews were reduced): it must not block anyone.
        let mut busy: Vec<BusyJob> = (0..12u32)
            .map(|i| busy_tue(i % 5 + 1, (9 + i % 7, 0), (10 + i % 7, 30)))
            .collect();
        busy.push(busy_tue(9, (9, 0), (17, 0)));
        let fast = free_slots(&rules, d(2026, 3, 10), 90, now, &busy);
        let slow: Vec<Slot> = grid_times(&rules, d(2026, 3, 10))
            .into_iter()
            .filter_map(|time| check_slot(&rules, d(2026, 3, 10), time, 90, now, &busy).ok())
            .collect();
        assert_eq!(fast, slow);
        assert!(!fast.is_empty() && fast.len() < grid_times(&rules, d(2026, 3, 10)).len());
    }

    #[test]
    fn a_search_run_a_day_at_a_time_finds_what_one_pass_finds() {
        let now = utc(MONDAY_MORNING);
        // Tuesday is full; on Wednesday both crews work 09:00-13:00 (EDT).
        let wednesday_morning = |crew| BusyJob {
            crew,
            start: utc("2026-03-11T13:00:00Z"),
            end: utc("2026-03-11T17:00:00Z"),
        };
        let busy = [
            busy_tue(1, (9, 0), (17, 0)),
            busy_tue(2, (9, 0), (17, 0)),
            wednesday_morning(1),
            wednesday_morning(2),
        ];
        let whole = nearest_free_slots(&ny(), d(2026, 3, 10), Some(t(12, 0)), 120, now, &busy, 12);
        let mut search = NearestSlots::new(&ny(), d(2026, 3, 10), Some(t(12, 0)), now, 12);
        let mut reads = 0;
        while let Some((first, last)) = search.days_to_search(1) {
            assert_eq!(first, last);
            let (from, to) = utc_window(ny().tz, first);
            let near: Vec<BusyJob> = busy
                .iter()
                .filter(|job| job.end > from && job.start < to)
                .copied()
                .collect();
            search.search_through(&ny(), last, 120, now, &near);
            reads += 1;
        }
        assert_eq!(search.into_slots(), whole);
        assert_eq!(whole.len(), 12);
        assert!(whole.iter().all(|slot| slot.date != d(2026, 3, 10)));
        // Tuesday was full, Wednesday had 13:30-15:00, Thursday filled the twelve.
        assert_eq!(whole[0].date, d(2026, 3, 11));
        assert_eq!(whole[0].time, t(13, 30));
        assert_eq!(reads, 3);
    }

    #[test]
    fn slot_errors_read_well_for_customers() {
        assert!(SlotError::Taken.to_string().contains("already taken"));
        assert!(SlotError::Closed.to_string().contains("closed"));
        assert_eq!(SlotError::InvalidLocalTime.code(), "invalid_local_time");
    }
}
