//! Booking rules over storage: quotes with catalog rates, availability, booking inside
//! one write transaction that re-checks the calendar, idempotent replays, the
//! customer's lookup/reschedule/cancel and the operator's status changes. The REST
//! handlers and the chat agent both call these functions; there is no other path.

use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc};
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::appointment::{Appointment, BookingSource};
use super::calendar::{self, BusyJob, CalendarRules, Slot, SlotError};
use super::fields::{FieldError, Reference};
use super::pricing::{
    self, AddOn, Frequency, Quote, QuoteError, QuoteRequest, ServiceCode, Urgency,
};
use super::repository::{self as repo, AppointmentFilter, NewAppointment, ServiceRow};
use super::requests::{BookingRequest, ValidBooking};
use super::status::AppointmentStatus;
use crate::clock::Clock;
use crate::storage::Database;

/// Why a booking operation failed.
#[derive(Debug, thiserror::Error)]
pub enum BookingError {
    #[error(transparent)]
    Field(#[from] FieldError),
    #[error(transparent)]
    Quote(#[from] QuoteError),
    #[error(transparent)]
    Slot(#[from] SlotError),
    #[error("appointment not found")]
    NotFound,
    #[error("the service `{0}` is not offered at the moment")]
    ServiceInactive(ServiceCode),
    #[error("an appointment that is {from} cannot become {to}")]
    InvalidTransition {
        from: AppointmentStatus,
        to: AppointmentStatus,
    },
    #[error("this Idempotency-Key was already used with a different request")]
    IdempotencyMismatch,
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// A catalog entry as the API shows it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CatalogEntry {
    pub code: String,
    pub name: String,
    pub description: String,
    /// Dollars per hour.
    pub hourly_rate: pricing::Money,
    pub duration_rule: String,
    pub active: bool,
}

impl From<ServiceRow> for CatalogEntry {
    fn from(row: ServiceRow) -> Self {
        CatalogEntry {
            code: row.code,
            name: row.name,
            description: row.description,
            hourly_rate: pricing::Money(row.hourly_rate_cents),
            duration_rule: row.duration_rule,
            active: row.active,
        }
    }
}

/// What to price.
#[derive(Debug, Clone)]
pub struct QuoteInput {
    pub service: ServiceCode,
    pub square_feet: Option<u32>,
    pub frequency: Frequency,
    pub add_ons: Vec<AddOn>,
    pub urgency: Urgency,
}

/// Free start times of one day.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Availability {
    pub date: NaiveDate,
    pub service_type: ServiceCode,
    pub duration_minutes: u32,
    pub timezone: String,
    /// False on closed days and dates outside the booking window.
    pub open: bool,
    /// Local start times, "HH:MM".
    pub times: Vec<String>,
    pub slots: Vec<SlotView>,
}

/// One free slot as the API shows it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SlotView {
    pub date: NaiveDate,
    pub time: String,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

impl From<&Slot> for SlotView {
    fn from(slot: &Slot) -> Self {
        SlotView {
            date: slot.date,
            time: slot.time_hhmm(),
            start: slot.start,
            end: slot.end,
        }
    }
}

/// Booking rules over the database and the clock.
#[derive(Clone)]
pub struct BookingService {
    db: Database,
    clock: Clock,
    rules: CalendarRules,
    /// The catalog as last read, shared with the dry-run copy.
    catalog: Arc<CatalogCache>,
    /// Writes are simulated, never performed (shadow turns).
    dry_run: bool,
    /// Each day's jobs for the read-only calendar views, shared with the dry-run copy.
    day_jobs: DayJobs,
}

/// Days' jobs as last read, each under the calendar version of its window it was read at
/// (`repository::calendar_version`): a view reads the version (a row or two) and reuses a
/// day read at that version, so a calendar booked solid is not re-read and re-parsed for
/// every availability check and suggestion. Bookings never use it.
type DayJobs = moka::sync::Cache<NaiveDate, (i64, Arc<Vec<BusyJob>>)>;

/// Days held: the booking horizon and then some.
const DAYS_CACHED: u64 = 128;

/// The catalog in memory: every quote, availability check and booking needs a rate, and
/// the catalog changes only through `update_service`, which empties this cache.
#[derive(Debug, Default)]
struct CatalogCache {
    /// (generation, rows): the generation moves on every change, so a read that raced
    /// with a change never stores what it read before the change.
    state: Mutex<(u64, Option<Arc<Vec<ServiceRow>>>)>,
}

impl CatalogCache {
    fn get(&self) -> (u64, Option<Arc<Vec<ServiceRow>>>) {
        self.state
            .lock()
            .map(|state| (state.0, state.1.clone()))
            .unwrap_or_default()
    }

    fn store(&self, generation: u64, rows: Arc<Vec<ServiceRow>>) {
        if let Ok(mut state) = self.state.lock() {
            if state.0 == generation {
                state.1 = Some(rows);
            }
        }
    }

    fn invalidate(&self) {
        if let Ok(mut state) = self.state.lock() {
            state.0 += 1;
            state.1 = None;
        }
    }
}

/// Empties the catalog cache when dropped: after a change's commit, and also when the
/// request is abandoned while the commit is on its way (it may still have happened).
struct InvalidateOnDrop<'a>(&'a CatalogCache);

impl Drop for InvalidateOnDrop<'_> {
    fn drop(&mut self) {
        self.0.invalidate();
    }
}

const REFERENCE_ATTEMPTS: usize = 5;

impl BookingService {
    /// A service for the given calendar rules.
    pub fn new(db: Database, clock: Clock, rules: CalendarRules) -> Self {
        Self {
            db,
            clock,
            rules,
            catalog: Arc::default(),
            dry_run: false,
            day_jobs: moka::sync::Cache::new(DAYS_CACHED),
        }
    }

    /// The same service with every write simulated: it validates, prices and checks the
    /// calendar, then returns what would have happened without touching the database.
    pub fn dry_run(&self) -> Self {
        Self {
            dry_run: true,
            ..self.clone()
        }
    }

    /// A booking as it would be made, without writing it.
    async fn simulate_booking(
        &self,
        booking: &ValidBooking,
        source: BookingSource,
    ) -> Result<Appointment, BookingError> {
        let now = self.now();
        let date = booking.date.get();
        let square_feet = booking.square_feet.map(|s| s.get());
        let quote = self
            .quote(&QuoteInput {
                service: booking.service,
                square_feet,
                frequency: booking.frequency,
                add_ons: booking.add_ons.clone(),
                urgency: Urgency::for_dates(date, self.today()),
            })
            .await?;
        let slot = self
            .check_slot(date, booking.time.get(), booking.service, square_feet)
            .await?;
        Ok(Appointment {
            id: 0,
            reference: "CS-DRYRUN".to_owned(),
            status: AppointmentStatus::Scheduled,
            service_type: booking.service,
            service_name: booking.service.display_name(),
            square_feet,
            frequency: booking.frequency,
            add_ons: booking.add_ons.clone(),
            date,
            time: slot.time,
            timezone: self.timezone_name().to_owned(),
            start_at: slot.start,
            end_at: slot.end,
            duration_minutes: quote.duration_minutes,
            crew: slot.crew,
            price: pricing::Money(quote.total * 100),
            name: booking.name.as_str().to_owned(),
            phone: booking.phone.as_e164().to_owned(),
            email: booking.email.as_ref().map(|e| e.as_str().to_owned()),
            address: booking.address.as_str().to_owned(),
            notes: None,
            cancel_reason: None,
            source: source.as_str().to_owned(),
            created_at: now,
            updated_at: now,
        })
    }

    /// The calendar rules in force.
    pub fn rules(&self) -> &CalendarRules {
        &self.rules
    }

    /// Now, from the server clock.
    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// Today's local business date.
    pub fn today(&self) -> NaiveDate {
        calendar::local_today(&self.rules, self.now())
    }

    fn timezone_name(&self) -> &'static str {
        self.rules.tz.name()
    }

    /// The catalog rows, from memory when nothing changed since the last read.
    async fn services(&self) -> Result<Arc<Vec<ServiceRow>>, BookingError> {
        let (generation, cached) = self.catalog.get();
        if let Some(rows) = cached {
            return Ok(rows);
        }
        let rows = Arc::new(repo::list_services(&self.db.reader).await?);
        self.catalog.store(generation, rows.clone());
        Ok(rows)
    }

    /// The whole catalog.
    pub async fn catalog(&self) -> Result<Vec<CatalogEntry>, BookingError> {
        Ok(self
            .services()
            .await?
            .iter()
            .cloned()
            .map(CatalogEntry::from)
            .collect())
    }

    /// Operator change of a catalog entry.
    pub async fn update_service(
        &self,
        code: ServiceCode,
        name: Option<&str>,
        description: Option<&str>,
        hourly_rate_cents: Option<i64>,
        active: Option<bool>,
    ) -> Result<CatalogEntry, BookingError> {
        if self.dry_run {
            return Err(BookingError::NotFound);
        }
        let mut tx = self.db.begin_write().await?;
        let updated = repo::update_service(
            &mut *tx,
            code,
            name,
            description,
            hourly_rate_cents,
            active,
            self.now(),
        )
        .await?;
        if !updated {
            return Err(BookingError::NotFound);
        }
        let row = repo::find_service(&mut *tx, code)
            .await?
            .ok_or(BookingError::NotFound)?;
        let _invalidate = InvalidateOnDrop(&self.catalog);
        tx.commit().await?;
        Ok(row.into())
    }

    async fn active_rate_cents(&self, service: ServiceCode) -> Result<i64, BookingError> {
        let services = self.services().await?;
        let row = services
            .iter()
            .find(|row| row.code == service.as_str())
            .ok_or(BookingError::ServiceInactive(service))?;
        if !row.active {
            return Err(BookingError::ServiceInactive(service));
        }
        Ok(row.hourly_rate_cents)
    }

    /// Prices a job with the catalog's current rate.
    pub async fn quote(&self, input: &QuoteInput) -> Result<Quote, BookingError> {
        let rate_cents = self.active_rate_cents(input.service).await?;
        Ok(pricing::quote(&QuoteRequest {
            service: input.service,
            rate_cents,
            square_feet: input.square_feet,
            frequency: input.frequency,
            add_ons: input.add_ons.clone(),
            urgency: input.urgency,
        })?)
    }

    /// Active jobs from `from` to `to`, widened by the travel buffer on both sides.
    async fn busy_between(
        &self,
        db: impl sqlx::SqliteExecutor<'_>,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        excluding: Option<&str>,
    ) -> Result<Vec<BusyJob>, sqlx::Error> {
        let (from, to) = calendar::with_buffer(&self.rules, (from, to));
        repo::busy_jobs(db, from, to, excluding).await
    }

    /// The instants of one job at local `date` and `time`: with the buffer on both sides
    /// (`busy_between`), exactly the jobs that can keep a crew from it. A booking reads
    /// only these inside its write transaction, not the whole day: on a booked-solid day
    /// that was hundreds of rows per booking while holding the write lock. A local time
    /// that does not exist falls back to the day (the slot check then refuses it).
    fn slot_window(
        &self,
        date: NaiveDate,
        time: NaiveTime,
        duration_minutes: u32,
    ) -> (DateTime<Utc>, DateTime<Utc>) {
        match calendar::local_to_utc(self.rules.tz, date, time) {
            Ok(start) => (
                start,
                start + Duration::minutes(i64::from(duration_minutes)),
            ),
            Err(_) => calendar::utc_window(self.rules.tz, date),
        }
    }

    /// The jobs that can touch a slot on local `date` (its `utc_window`), from the day
    /// cache when they were read at the window's current calendar version, else read now
    /// and kept.
    async fn jobs_near(&self, date: NaiveDate) -> Result<Arc<Vec<BusyJob>>, sqlx::Error> {
        let (from, to) = calendar::utc_window(self.rules.tz, date);
        let (wide_from, wide_to) = calendar::with_buffer(&self.rules, (from, to));
        let version = repo::calendar_version(&self.db.reader, wide_from, wide_to).await?;
        if let Some((read_at, jobs)) = self.day_jobs.get(&date) {
            if read_at == version {
                return Ok(jobs);
            }
        }
        let jobs = Arc::new(self.busy_between(&self.db.reader, from, to, None).await?);
        // Read at `version` or later: later only makes it fresher than its label.
        self.day_jobs.insert(date, (version, jobs.clone()));
        Ok(jobs)
    }

    /// Free start times on a local date for a service and size.
    pub async fn availability(
        &self,
        date: NaiveDate,
        service: ServiceCode,
        square_feet: Option<u32>,
    ) -> Result<Availability, BookingError> {
        let duration = pricing::job_minutes(service, square_feet)?;
        let busy = self.jobs_near(date).await?;
        let slots = calendar::free_slots(&self.rules, date, duration, self.now(), &busy);
        Ok(Availability {
            date,
            service_type: service,
            duration_minutes: duration,
            timezone: self.timezone_name().to_owned(),
            open: calendar::opening_hours(chrono::Datelike::weekday(&date)).is_some(),
            times: slots.iter().map(Slot::time_hhmm).collect(),
            slots: slots.iter().map(SlotView::from).collect(),
        })
    }

    /// Checks one start time without booking it (the agent's dry run).
    pub async fn check_slot(
        &self,
        date: NaiveDate,
        time: NaiveTime,
        service: ServiceCode,
        square_feet: Option<u32>,
    ) -> Result<Slot, BookingError> {
        let duration = pricing::job_minutes(service, square_feet)?;
        let busy = self.jobs_near(date).await?;
        Ok(calendar::check_slot(
            &self.rules,
            date,
            time,
            duration,
            self.now(),
            &busy,
        )?)
    }

    /// Up to `max` free slots nearest to the wish, that day first, then the next days.
    pub async fn suggest_slots(
        &self,
        date: NaiveDate,
        time: Option<NaiveTime>,
        service: ServiceCode,
        square_feet: Option<u32>,
        max: usize,
    ) -> Result<Vec<Slot>, BookingError> {
        let duration = pricing::job_minutes(service, square_feet)?;
        let now = self.now();
        let mut search =
            calendar::NearestSlots::new(&self.rules, date.max(self.today()), time, now, max);
        // A day at a time, each from the day cache: the usual answer is on the first day,
        // and a calendar booked weeks ahead costs lookups, not reads.
        while let Some((day, _)) = search.days_to_search(1) {
            let busy = self.jobs_near(day).await?;
            search.search_through(&self.rules, day, duration, now, &busy);
        }
        Ok(search.into_slots())
    }

    /// Books a validated request. Everything from reading the calendar to inserting
    /// happens in one `BEGIN IMMEDIATE` transaction, so no interleaving can double-book.
    pub async fn book(
        &self,
        booking: &ValidBooking,
        source: BookingSource,
    ) -> Result<Appointment, BookingError> {
        if self.dry_run {
            return self.simulate_booking(booking, source).await;
        }
        let quote = self.quote_booking(booking).await?;
        let mut tx = self.db.begin_write().await?;
        let appointment = self.book_in(&mut tx, booking, &quote, source).await?;
        tx.commit().await?;
        Ok(appointment)
    }

    /// The price of a booking, worked out before its transaction so the write lock is
    /// held for the calendar check and the insert only.
    async fn quote_booking(&self, booking: &ValidBooking) -> Result<Quote, BookingError> {
        self.quote(&QuoteInput {
            service: booking.service,
            square_feet: booking.square_feet.map(|s| s.get()),
            frequency: booking.frequency,
            add_ons: booking.add_ons.clone(),
            urgency: Urgency::for_dates(booking.date.get(), self.today()),
        })
        .await
    }

    async fn book_in(
        &self,
        conn: &mut sqlx::SqliteConnection,
        booking: &ValidBooking,
        quote: &Quote,
        source: BookingSource,
    ) -> Result<Appointment, BookingError> {
        let now = self.now();
        let square_feet = booking.square_feet.map(|s| s.get());
        let date = booking.date.get();
        let time = booking.time.get();
        let (from, to) = self.slot_window(date, time, quote.duration_minutes);
        let busy = self.busy_between(&mut *conn, from, to, None).await?;
        let slot =
            calendar::check_slot(&self.rules, date, time, quote.duration_minutes, now, &busy)?;
        let mut last_error = None;
        for _ in 0..REFERENCE_ATTEMPTS {
            let reference = Reference::generate(&mut rand::rng());
            let new = NewAppointment {
                reference: reference.as_str(),
                name: booking.name.as_str(),
                phone: booking.phone.as_e164(),
                email: booking.email.as_ref().map(|e| e.as_str()),
                address: booking.address.as_str(),
                service: booking.service,
                square_feet,
                frequency: booking.frequency.as_str(),
                add_ons: &booking.add_ons,
                date,
                time,
                start: slot.start,
                end: slot.end,
                duration_minutes: quote.duration_minutes,
                crew: slot.crew,
                price_cents: quote.total * 100,
                notes: booking.notes.as_ref().map(|n| n.as_str()),
                source: source.as_str(),
                now,
            };
            match repo::insert_appointment(&mut *conn, &new, self.timezone_name()).await {
                Ok(appointment) => return Ok(appointment),
                Err(e) if repo::is_duplicate_reference(&e) => last_error = Some(e),
                Err(e) if repo::is_slot_conflict(&e) => return Err(SlotError::Taken.into()),
                Err(e) => return Err(e.into()),
            }
        }
        Err(last_error.map_or(BookingError::NotFound, BookingError::Database))
    }

    /// Books through the REST API, honouring an `Idempotency-Key`: the outcome of the
    /// first request with a key (its booking, or a `slot_unavailable` refusal) is stored
    /// in the same transaction as the booking, and every later use of the key gets that
    /// outcome again, never a second booking.
    pub async fn book_idempotent(
        &self,
        request: &BookingRequest,
        key: Option<&str>,
    ) -> Result<Appointment, BookingError> {
        let booking = request.validate()?;
        let Some(key) = key else {
            return self.book(&booking, BookingSource::Api).await;
        };
        let request_hash = hash_request(request);
        // Priced before the transaction; a pricing error only matters for a new key.
        let quote = self.quote_booking(&booking).await;
        let mut tx = self.db.begin_write().await?;
        if let Some(stored) = repo::find_idempotent_outcome(&mut tx, key).await? {
            if stored.request_hash != request_hash {
                return Err(BookingError::IdempotencyMismatch);
            }
            let reference = stored.reference.ok_or(SlotError::Taken)?;
            return repo::find_appointment(&mut *tx, &reference, self.timezone_name())
                .await?
                .ok_or(BookingError::NotFound);
        }
        let now = self.now();
        match self
            .book_in(&mut tx, &booking, &quote?, BookingSource::Api)
            .await
        {
            Ok(appointment) => {
                repo::store_idempotent_outcome(
                    &mut tx,
                    key,
                    &request_hash,
                    201,
                    Some(&appointment.reference),
                    now,
                )
                .await?;
                tx.commit().await?;
                Ok(appointment)
            }
            Err(BookingError::Slot(SlotError::Taken)) => {
                repo::store_idempotent_outcome(&mut tx, key, &request_hash, 409, None, now).await?;
                tx.commit().await?;
                Err(SlotError::Taken.into())
            }
            Err(other) => Err(other),
        }
    }

    /// A customer's own booking: the reference plus the phone or email on it. A wrong
    /// contact is indistinguishable from an unknown reference.
    pub async fn find_for_customer(
        &self,
        reference: &str,
        contact: &str,
    ) -> Result<Appointment, BookingError> {
        let reference = Reference::parse(reference).map_err(|_| BookingError::NotFound)?;
        let found =
            repo::find_appointment(&self.db.reader, reference.as_str(), self.timezone_name())
                .await?;
        owned_by(found, contact)
    }

    /// Operator view of one booking.
    pub async fn find(&self, reference: &str) -> Result<Appointment, BookingError> {
        let reference = Reference::parse(reference).map_err(|_| BookingError::NotFound)?;
        repo::find_appointment(&self.db.reader, reference.as_str(), self.timezone_name())
            .await?
            .ok_or(BookingError::NotFound)
    }

    /// Moves a customer's booking, validated like a new one, atomically: on any refusal
    /// the old booking is untouched. The booking is read inside the write transaction,
    /// so a cancel committed meanwhile is seen, never moved past. The quoted price is kept.
    pub async fn reschedule(
        &self,
        reference: &str,
        contact: &str,
        date: NaiveDate,
        time: NaiveTime,
    ) -> Result<Appointment, BookingError> {
        if self.dry_run {
            let current = self.find_for_customer(reference, contact).await?;
            ensure_movable(&current)?;
            let slot = self
                .check_slot(date, time, current.service_type, current.square_feet)
                .await?;
            return Ok(Appointment {
                date,
                time: slot.time,
                start_at: slot.start,
                end_at: slot.end,
                crew: slot.crew,
                ..current
            });
        }
        let reference = Reference::parse(reference).map_err(|_| BookingError::NotFound)?;
        let mut tx = self.db.begin_write().await?;
        let found =
            repo::find_appointment(&mut *tx, reference.as_str(), self.timezone_name()).await?;
        let current = owned_by(found, contact)?;
        ensure_movable(&current)?;
        let (from, to) = self.slot_window(date, time, current.duration_minutes);
        let busy = self
            .busy_between(&mut *tx, from, to, Some(&current.reference))
            .await?;
        let slot = calendar::check_slot(
            &self.rules,
            date,
            time,
            current.duration_minutes,
            self.now(),
            &busy,
        )?;
        let result = repo::update_schedule(
            &mut tx,
            &current.reference,
            date,
            time,
            slot.start,
            slot.end,
            slot.crew,
            current.price.0,
            self.now(),
        )
        .await;
        match result {
            Ok(()) => {}
            Err(e) if repo::is_slot_conflict(&e) => return Err(SlotError::Taken.into()),
            Err(e) => return Err(e.into()),
        }
        let updated = repo::find_appointment(&mut *tx, &current.reference, self.timezone_name())
            .await?
            .ok_or(BookingError::NotFound)?;
        tx.commit().await?;
        Ok(updated)
    }

    /// Cancels a customer's booking.
    pub async fn cancel(
        &self,
        reference: &str,
        contact: &str,
        reason: Option<&str>,
    ) -> Result<Appointment, BookingError> {
        let current = self.find_for_customer(reference, contact).await?;
        let reason = reason
            .map(str::trim)
            .filter(|r| !r.is_empty())
            .unwrap_or("cancelled by the customer");
        self.change_status(
            &current.reference,
            AppointmentStatus::Cancelled,
            Some(reason),
        )
        .await
    }

    /// Moves a booking along the status machine; other transitions are refused.
    pub async fn change_status(
        &self,
        reference: &str,
        next: AppointmentStatus,
        reason: Option<&str>,
    ) -> Result<Appointment, BookingError> {
        let reference = Reference::parse(reference).map_err(|_| BookingError::NotFound)?;
        if self.dry_run {
            let current = self.find(reference.as_str()).await?;
            if !current.status.can_become(next) {
                return Err(BookingError::InvalidTransition {
                    from: current.status,
                    to: next,
                });
            }
            return Ok(Appointment {
                status: next,
                cancel_reason: reason.map(str::to_owned),
                ..current
            });
        }
        let mut tx = self.db.begin_write().await?;
        let current = repo::find_appointment(&mut *tx, reference.as_str(), self.timezone_name())
            .await?
            .ok_or(BookingError::NotFound)?;
        if !current.status.can_become(next) {
            return Err(BookingError::InvalidTransition {
                from: current.status,
                to: next,
            });
        }
        if next == AppointmentStatus::Cancelled && reason.is_none_or(|r| r.trim().is_empty()) {
            return Err(FieldError {
                field: "reason",
                message: "a cancellation needs a reason".to_owned(),
            }
            .into());
        }
        repo::update_status(
            &mut tx,
            reference.as_str(),
            next,
            reason.map(str::trim),
            self.now(),
        )
        .await?;
        let updated = repo::find_appointment(&mut *tx, reference.as_str(), self.timezone_name())
            .await?
            .ok_or(BookingError::NotFound)?;
        tx.commit().await?;
        Ok(updated)
    }

    /// Operator list with a real total.
    pub async fn list(
        &self,
        filter: &AppointmentFilter,
        limit: u32,
        offset: u32,
    ) -> Result<(Vec<Appointment>, i64), BookingError> {
        Ok(
            repo::list_appointments(&self.db.reader, filter, limit, offset, self.timezone_name())
                .await?,
        )
    }
}

/// The booking found, if `contact` is its phone or email; otherwise not found, exactly
/// as for an unknown reference.
fn owned_by(found: Option<Appointment>, contact: &str) -> Result<Appointment, BookingError> {
    found
        .filter(|appointment| appointment.matches_contact(contact))
        .ok_or(BookingError::NotFound)
}

/// Only active bookings can move.
fn ensure_movable(appointment: &Appointment) -> Result<(), BookingError> {
    if appointment.status.is_active() {
        return Ok(());
    }
    Err(BookingError::InvalidTransition {
        from: appointment.status,
        to: appointment.status,
    })
}

fn hash_request(request: &BookingRequest) -> String {
    let canonical = serde_json::to_string(request).unwrap_or_default();
    let digest = Sha256::digest(canonical.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}
