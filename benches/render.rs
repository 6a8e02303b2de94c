//! Frame render time at the three screen sizes, and the cost of update() per message.
//! Figures, not assertions: `cargo bench --bench render`.

use criterion::{black_box, criterion_group, criterion_main, BenchmarkId, Criterion};
use driftdock::app::fixture;
use driftdock::app::msg::{Reading, Sample};
use driftdock::app::{update, Msg};
use ratatui::backend::TestBackend;
use ratatui::Terminal;

fn render(c: &mut Criterion) {
    let mut group = c.benchmark_group("render");
    for (w, h) in [(80u16, 24u16), (120, 40), (200, 60)] {
        let mut state = fixture::busy();
        state.size = (w, h);
        let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
        group.bench_with_input(
            BenchmarkId::new("busy", format!("{w}x{h}")),
            &state,
            |b, state| {
                b.iter(|| {
                    terminal
                        .draw(|frame| driftdock::ui::view(black_box(state), frame))
                        .unwrap();
                })
            },
        );
    }
    group.finish();
}

fn update_cost(c: &mut Criterion) {
    let base = fixture::busy();
    let at = base.now;
    let sample = Msg::Sample(Sample::ok(
        at,
        Reading::Queue {
            depth: 12,
            processing: 1,
        },
    ));
    c.bench_function("update/queue sample", |b| {
        let mut state = base.clone();
        b.iter(|| update(&mut state, black_box(sample.clone())))
    });
    let logs = Msg::Logs {
        container_id: base.logs.container_id.clone().unwrap_or_default(),
        lines: (0..50).map(|i| format!("GET /events {i} 201")).collect(),
    };
    c.bench_function("update/50 log lines", |b| {
        let mut state = base.clone();
        b.iter(|| update(&mut state, black_box(logs.clone())))
    });
}

criterion_group!(benches, render, update_cost);
criterion_main!(benches);
