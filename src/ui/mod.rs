//! `view(&State, &mut Frame)`: pure drawing. Reads State, never mutates it, never awaits.

use crate::app::State;
use ratatui::Frame;

pub fn view(_state: &State, _frame: &mut Frame) {}
