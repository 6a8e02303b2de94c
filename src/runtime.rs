//! The loop: terminal input, probes, effects and a frame tick feed one channel; `update` runs
//! on each message, commands become tasks, and the screen is drawn only when something changed.
