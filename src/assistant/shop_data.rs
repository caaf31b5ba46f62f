//! The engine's `ShopData` over the database: stock at the shop's locations net of
//! active holds, the holds of one shopper, orders.

use jiff::Timestamp;
use rusqlite::{Connection, OptionalExtension, params};

use crate::alerts::repo::{self as alerts, Subscriber};
use crate::appointments::repo::{self as appointments, Booking};
use crate::db::ids::ConversationId;
use crate::engine::Channel;
use crate::engine::catalogue::Variant;
use crate::engine::data::DataError;
use crate::engine::data::{
    Appointment, Bookable, Booked, Hold, NewAlert, NewHold, Order, Place, ShopData, Stock,
    Subscribed,
};
use crate::engine::hours::WeekHours;
use crate::engine::lang::Lang;
use crate::error::AppError;

// The engine's error carries the storage's cause without knowing storage.
impl From<rusqlite::Error> for DataError {
    fn from(e: rusqlite::Error) -> Self {
        DataError::new(e)
    }
}

impl From<AppError> for DataError {
    fn from(e: AppError) -> Self {
        DataError::new(e)
    }
}

pub struct DbShopData<'a> {
    pub conn: &'a Connection,
    pub conversation: Option<ConversationId>,
    /// The channel the shopper writes on: alerts and reminders go back through it.
    pub channel: Channel,
    /// The shopper's identity on their channel; holds, alerts and appointments belong
    /// to it.
    pub contact: &'a str,
    pub now: Timestamp,
    /// The team member acting for the shopper (the inbox), if any.
    pub by: Option<i64>,
}

impl DbShopData<'_> {
    /// One of this shopper's appointments to come.
    fn own_appointment(&self, id: i64) -> Result<bool, DataError> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT 1 FROM appointments WHERE id = ?1 AND contact = ?2 AND status = 'booked'",
            )?
            .query_row(params![id, self.contact], |_| Ok(()))
            .optional()?
            .is_some())
    }

    fn appointment(&self, id: i64) -> Result<Option<Appointment>, DataError> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT a.id, a.service_id, s.name, a.starts_at FROM appointments a
                 JOIN services s ON s.id = a.service_id WHERE a.id = ?1",
            )?
            .query_row([id], appointment_row)
            .optional()?)
    }

    fn booked(&self, booking: Booking) -> Result<Booked, DataError> {
        Ok(match booking {
            Booking::Booked(id) => match self.appointment(id)? {
                Some(a) => Booked::Done(a),
                None => Booked::Taken(Vec::new()),
            },
            Booking::Taken(next) => Booked::Taken(next),
        })
    }
}

fn appointment_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Appointment> {
    Ok(Appointment {
        id: r.get(0)?,
        service_id: r.get(1)?,
        service: r.get(2)?,
        start: ts(r.get(3)?),
    })
}

fn ts(secs: i64) -> Timestamp {
    Timestamp::from_second(secs).unwrap_or(Timestamp::UNIX_EPOCH)
}

const ORDER_COLUMNS: &str = "o.name, o.email, COALESCE(NULLIF(o.phone, ''), c.phone, ''), o.created_at,
    o.financial_status, o.fulfillment_status, o.shipment_status, o.cancelled_at IS NOT NULL,
    o.carrier, o.tracking_number, o.tracking_url, o.marketplace, o.ship_name, o.ship_postcode
    FROM orders o LEFT JOIN customers c
      ON c.store_id = o.store_id AND c.external_id = o.customer_external_id AND o.customer_external_id != ''";

fn order(r: &rusqlite::Row<'_>) -> rusqlite::Result<Order> {
    Ok(Order {
        name: r.get(0)?,
        email: r.get(1)?,
        phone: r.get(2)?,
        created_at: r.get(3)?,
        financial_status: r.get(4)?,
        fulfillment_status: r.get(5)?,
        shipment_status: r.get(6)?,
        cancelled: r.get(7)?,
        carrier: r.get(8)?,
        tracking_number: r.get(9)?,
        tracking_url: r.get(10)?,
        marketplace: r.get(11)?,
        ship_name: r.get(12)?,
        ship_postcode: r.get(13)?,
    })
}

/// Units of an item held by active, unexpired reservations.
pub fn held(conn: &Connection, item_key: &str, now: Timestamp) -> Result<i64, AppError> {
    Ok(conn
        .prepare_cached(
            "SELECT COALESCE(SUM(quantity), 0) FROM reservations
             WHERE item_key = ?1 AND status = 'active' AND expires_at > ?2",
        )?
        .query_row(params![item_key, now.as_second()], |r| r.get(0))?)
}

impl ShopData for DbShopData<'_> {
    fn stock(&mut self, variants: &[&Variant]) -> Result<Vec<Stock>, DataError> {
        // A SKU sold by several stores has its stock at every one of their locations.
        let mut stmt = self.conn.prepare_cached(
            "SELECT l.name, l.in_shop, s.available FROM stock_levels s
             JOIN locations l ON l.id = s.location_id
             WHERE s.variant_id IN (SELECT ?1 UNION SELECT id FROM variants
                                    WHERE ?2 <> '' AND sku = ?2)
               AND l.active = 1 ORDER BY l.in_shop DESC, l.id",
        )?;
        let mut out = Vec::with_capacity(variants.len());
        for v in variants {
            let mut stock = Stock::default();
            let sku = if v.item_key.starts_with("variant:") {
                ""
            } else {
                v.item_key.as_str()
            };
            let mut rows = stmt.query(params![v.id, sku])?;
            while let Some(r) = rows.next()? {
                let available: i64 = r.get::<_, i64>(2)?.max(0);
                if r.get::<_, bool>(1)? {
                    stock.shop += available;
                } else if available > 0 {
                    stock.elsewhere.push((r.get(0)?, available));
                }
            }
            stock.shop = (stock.shop - held(self.conn, &v.item_key, self.now)?).max(0);
            out.push(stock);
        }
        Ok(out)
    }

    fn holds(&mut self) -> Result<Vec<Hold>, DataError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, item_key, product_title, variant_title, quantity, expires_at FROM reservations
             WHERE contact = ?1 AND status = 'active' AND expires_at > ?2 ORDER BY id",
        )?;
        let holds = stmt
            .query_map(params![self.contact, self.now.as_second()], |r| {
                Ok(Hold {
                    id: r.get(0)?,
                    item_key: r.get(1)?,
                    product_title: r.get(2)?,
                    variant_title: r.get(3)?,
                    quantity: r.get(4)?,
                    until: ts(r.get(5)?),
                })
            })?
            .collect::<Result<_, _>>()?;
        Ok(holds)
    }

    fn reserve(&mut self, hold: &NewHold) -> Result<Hold, DataError> {
        let id = self.conn.prepare_cached("INSERT INTO reservations (store_id, item_key, product_title, variant_title, quantity,
                conversation_id, contact, created_at, expires_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) RETURNING id")?
        .query_row(
            params![
                hold.store_id,
                hold.item_key,
                hold.product_title,
                hold.variant_title,
                hold.quantity,
                self.conversation,
                self.contact,
                self.now.as_second(),
                hold.until.as_second()
            ],
            |r| r.get(0),
        )?;
        Ok(Hold {
            id,
            item_key: hold.item_key.clone(),
            product_title: hold.product_title.clone(),
            variant_title: hold.variant_title.clone(),
            quantity: hold.quantity,
            until: hold.until,
        })
    }

    fn cancel_holds(&mut self) -> Result<Vec<Hold>, DataError> {
        let holds = self.holds()?;
        for h in &holds {
            self.conn
                .prepare_cached(
                    "UPDATE reservations SET status = 'cancelled', closed_at = ?2 WHERE id = ?1",
                )?
                .execute(params![h.id, self.now.as_second()])?;
        }
        Ok(holds)
    }

    fn order_named(&mut self, name: &str) -> Result<Option<Order>, DataError> {
        let bare = name.trim_start_matches('#');
        Ok(self
            .conn
            .prepare_cached(&format!(
                "SELECT {ORDER_COLUMNS} WHERE o.name IN (?1, ?2) ORDER BY o.created_at DESC LIMIT 1"
            ))?
            .query_row(params![format!("#{bare}"), bare], order)
            .optional()?)
    }

    fn orders_of(
        &mut self,
        phone: Option<&str>,
        email: Option<&str>,
    ) -> Result<Vec<Order>, DataError> {
        let phone = phone.and_then(crate::engine::phone_key);
        let email = email.map(|e| e.trim().to_lowercase());
        if phone.is_none() && email.is_none() {
            return Ok(Vec::new());
        }
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {ORDER_COLUMNS} ORDER BY o.created_at DESC, o.id DESC"
        ))?;
        let mut rows = stmt.query([])?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            let o = order(r)?;
            let by_email = email
                .as_deref()
                .is_some_and(|e| !o.email.is_empty() && o.email.trim().eq_ignore_ascii_case(e));
            let by_phone = phone.is_some() && crate::engine::phone_key(&o.phone) == phone;
            if by_email || by_phone {
                out.push(o);
            }
        }
        Ok(out)
    }

    fn subscribe(&mut self, alert: &NewAlert) -> Result<Subscribed, DataError> {
        if !self.offers_alerts()? {
            return Ok(Subscribed::Off);
        }
        // The web chat cannot reach the shopper later: an e-mail address, confirmed.
        let left = match (self.channel, &alert.email, self.conversation) {
            (Channel::Webchat, None, Some(c)) => super::conversations::contact_email(self.conn, c)?,
            _ => None,
        };
        let (channel, recipient) = match (self.channel, alert.email.as_ref().or(left.as_ref())) {
            (Channel::Webchat, Some(email)) => (Channel::Email, email.trim().to_lowercase()),
            (Channel::Webchat, None) => return Ok(Subscribed::NeedEmail),
            (channel, _) => (channel, self.contact.to_string()),
        };
        // An address given in the web chat is the visitor's: the team sees it too.
        if let (Channel::Webchat, Some(email), Some(c)) =
            (self.channel, &alert.email, self.conversation)
        {
            super::conversations::set_contact_email(self.conn, c, email.trim())?;
        }
        let who = Subscriber {
            channel,
            recipient: &recipient,
            conversation: self.conversation,
            lang: alert.lang,
            by: self.by,
        };
        Ok(alerts::subscribe(self.conn, alert, &who, self.now)?)
    }

    fn offers_alerts(&mut self) -> Result<bool, DataError> {
        Ok(matches!(
            self.channel,
            Channel::Sms | Channel::Whatsapp | Channel::Email | Channel::Webchat
        ) && alerts::rules(self.conn)?.enabled)
    }

    fn services(&mut self) -> Result<Vec<Bookable>, DataError> {
        Ok(appointments::services(self.conn)?
            .into_iter()
            .map(|s| Bookable {
                id: s.id,
                name: s.name,
                minutes: s.service.length.as_mins(),
            })
            .collect())
    }

    fn free_slots(
        &mut self,
        service: i64,
        hours: &WeekHours,
        from: Timestamp,
        max: usize,
    ) -> Result<Vec<Timestamp>, DataError> {
        let Some(s) = appointments::service(self.conn, service)? else {
            return Ok(Vec::new());
        };
        Ok(appointments::free_slots(
            self.conn, hours, &s.service, from, max,
        )?)
    }

    fn book(
        &mut self,
        service: i64,
        hours: &WeekHours,
        start: Timestamp,
        lang: Lang,
    ) -> Result<Booked, DataError> {
        let Some(s) = appointments::service(self.conn, service)? else {
            return Ok(Booked::Taken(Vec::new()));
        };
        let booking = appointments::book(
            self.conn,
            hours,
            &s,
            start,
            self.contact,
            self.conversation.map(|c| c.0),
            self.now,
        )?;
        if let Booking::Booked(id) = booking {
            // The invitation goes to an address the shopper wrote from or left.
            let email = match (self.channel, self.conversation) {
                (Channel::Email, _) => Some(self.contact.to_string()),
                (Channel::Webchat, Some(c)) => super::conversations::contact_email(self.conn, c)?,
                _ => None,
            };
            let email = email.unwrap_or_default();
            appointments::set_shopper(self.conn, id, "", &email, self.channel.code(), lang)?;
            appointments::mark_told(self.conn, id)?;
        }
        self.booked(booking)
    }

    fn appointments(&mut self) -> Result<Vec<Appointment>, DataError> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT a.id, a.service_id, s.name, a.starts_at FROM appointments a
                 JOIN services s ON s.id = a.service_id
                 WHERE a.contact = ?1 AND a.status = 'booked' AND a.starts_at > ?2
                 ORDER BY a.starts_at",
            )?
            .query_map(params![self.contact, self.now.as_second()], appointment_row)?
            .collect::<Result<_, _>>()?)
    }

    fn reschedule(
        &mut self,
        id: i64,
        hours: &WeekHours,
        start: Timestamp,
    ) -> Result<Booked, DataError> {
        let service: Option<i64> = self
            .conn
            .prepare_cached("SELECT service_id FROM appointments WHERE id = ?1 AND contact = ?2")?
            .query_row(params![id, self.contact], |r| r.get(0))
            .optional()?;
        let Some(s) = service
            .map(|s| appointments::service(self.conn, s))
            .transpose()?
            .flatten()
        else {
            return Ok(Booked::Taken(Vec::new()));
        };
        if !self.own_appointment(id)? {
            return Ok(Booked::Taken(Vec::new()));
        }
        let booking = appointments::reschedule(self.conn, hours, &s, id, start, self.now)?;
        if let Booking::Booked(id) = booking {
            appointments::mark_told(self.conn, id)?;
        }
        self.booked(booking)
    }

    fn cancel_appointment(&mut self, id: i64) -> Result<bool, DataError> {
        let cancelled = self.own_appointment(id)? && appointments::cancel(self.conn, id, self.now)?;
        if cancelled {
            appointments::mark_told(self.conn, id)?;
        }
        Ok(cancelled)
    }

    fn places(&mut self, variants: &[&Variant]) -> Result<Vec<Place>, DataError> {
        let mut out: Vec<(Place, bool)> = Vec::new();
        let mut stmt = self.conn.prepare_cached(
            "SELECT l.id, l.name, l.address, l.opening_hours, l.in_shop,
                    COALESCE((SELECT MAX(s.available, 0) FROM stock_levels s
                              WHERE s.location_id = l.id AND s.variant_id = ?1), 0)
             FROM locations l WHERE l.public = 1 AND l.active = 1 ORDER BY l.in_shop DESC, l.id",
        )?;
        let mut on_hold = 0;
        for v in variants {
            on_hold += held(self.conn, &v.item_key, self.now)?;
            let rows = stmt.query_map([v.id], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, bool>(4)?,
                    r.get::<_, i64>(5)?,
                ))
            })?;
            for row in rows {
                let (_, name, address, hours, in_shop, available) = row?;
                match out
                    .iter_mut()
                    .find(|(p, _)| p.name == name && p.address == address)
                {
                    Some((p, _)) => p.available += available,
                    None => out.push((
                        Place {
                            name,
                            address,
                            hours,
                            available,
                        },
                        in_shop,
                    )),
                }
            }
        }
        // Holds come off the shop's own shelves.
        if let Some((p, _)) = out.iter_mut().find(|(_, in_shop)| *in_shop) {
            p.available = (p.available - on_hold).max(0);
        }
        Ok(out.into_iter().map(|(p, _)| p).collect())
    }
}
