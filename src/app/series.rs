//! Bounded time series behind the sparklines and charts.

use chrono::{DateTime, Utc};
use std::collections::VecDeque;

/// A bounded time series for sparklines and charts: the oldest value falls off the end.
#[derive(Clone, Debug, PartialEq)]
pub struct Series {
    cap: usize,
    points: VecDeque<(DateTime<Utc>, f64)>,
}

impl Series {
    pub fn new(cap: usize) -> Self {
        Series {
            cap,
            points: VecDeque::with_capacity(cap),
        }
    }
    pub fn push(&mut self, at: DateTime<Utc>, value: f64) {
        if self.points.len() == self.cap {
            self.points.pop_front();
        }
        self.points.push_back((at, value));
    }
    pub fn points(&self) -> impl DoubleEndedIterator<Item = &(DateTime<Utc>, f64)> {
        self.points.iter()
    }
    pub fn values(&self) -> impl DoubleEndedIterator<Item = f64> + '_ {
        self.points.iter().map(|(_, v)| *v)
    }
    pub fn last(&self) -> Option<f64> {
        self.points.back().map(|(_, v)| *v)
    }
    pub fn len(&self) -> usize {
        self.points.len()
    }
    pub fn is_empty(&self) -> bool {
        self.points.is_empty()
    }
    pub fn max(&self) -> Option<f64> {
        self.values()
            .fold(None, |m, v| Some(m.map_or(v, |m: f64| m.max(v))))
    }
}
