//! Parsing faults as the keys, the `:chaos` line and the headless runner name them.

use super::*;

const D15: Duration = Duration::from_secs(15);

fn fault(words: &str) -> FaultSpec {
    let w: Vec<&str> = words.split_whitespace().collect();
    match parse_line(&w, D15).unwrap() {
        ChaosLine::Fault(f) => f,
        other => panic!("not a fault: {other:?}"),
    }
}

#[test]
fn a_line_names_the_fault_the_service_and_the_duration() {
    let f = fault("kill worker 30s");
    assert_eq!(f.service, "worker");
    assert_eq!(
        f.kind,
        FaultKind::Kill {
            signal: "SIGKILL".into()
        }
    );
    assert_eq!(f.duration, Duration::from_secs(30));
    assert_eq!(fault("pause redis").duration, D15);
    assert_eq!(
        fault("kill api-v1 --signal term --for 1m").kind,
        FaultKind::Kill {
            signal: "SIGTERM".into()
        }
    );
    let l = fault("latency api-v1 300ms --jitter 50ms --loss 5% 20s");
    assert_eq!(
        l.kind,
        FaultKind::Latency {
            delay_ms: 300,
            jitter_ms: 50,
            loss_percent: 5.0
        }
    );
    assert_eq!(l.duration, Duration::from_secs(20));
    assert_eq!(
        fault("stress worker --cpu 2 --mem 256M").kind,
        FaultKind::Stress {
            cpu: 2,
            mem_mb: 256
        }
    );
    assert_eq!(parse_line(&["stop-all"], D15).unwrap(), ChaosLine::StopAll);
    assert_eq!(
        parse_line(&["random", "5s"], D15).unwrap(),
        ChaosLine::Random(Duration::from_secs(5))
    );
}

#[test]
fn bad_input_says_what_was_expected() {
    let err = |w: &str| {
        let words: Vec<&str> = w.split_whitespace().collect();
        parse_line(&words, D15).unwrap_err()
    };
    assert!(err("kill worker soon").contains("not a duration"));
    assert!(err("kill worker 2h").contains("from 1s to 1h"));
    assert!(err("explode worker").contains("unknown fault"));
    assert!(err("kill").contains("usage"));
    assert!(err("latency api-v1").contains("DELAY"));
    assert!(err("latency api-v1 300ms --loss 120%").contains("percentage"));
    assert!(err("kill worker --signal NOPE").contains("not a signal"));
    assert!(err("stress worker --mem lots").contains("memory size"));
    assert!(err("pause worker --color red").contains("unknown option"));
}

#[test]
fn commands_and_undo_follow_the_fault() {
    let l = FaultKind::Latency {
        delay_ms: 300,
        jitter_ms: 50,
        loss_percent: 5.0,
    };
    assert_eq!(
        l.netem_command().unwrap().join(" "),
        "tc qdisc add dev eth0 root netem delay 300ms 50ms loss 5%"
    );
    assert_eq!(l.undo(), Undo::NetemDel);
    assert!(l.needs_netem());
    assert_eq!(l.describe(), "latency 300ms ±50ms loss 5%");
    let s = FaultKind::Stress {
        cpu: 2,
        mem_mb: 256,
    };
    assert_eq!(
        s.stress_command(D15).unwrap().join(" "),
        "stress-ng --cpu 2 --vm 1 --vm-bytes 256M --timeout 20s"
    );
    assert_eq!(FaultKind::Stop.undo(), Undo::Start);
    assert_eq!(FaultKind::Pause.undo(), Undo::Unpause);
    assert_eq!(FaultKind::Partition.undo(), Undo::Reconnect);
    assert!(CRITICAL.contains(&pick_critical(12345)));
    assert_eq!(parse_signal("9").unwrap(), "SIGKILL");
    assert_eq!(parse_mem("1G").unwrap(), 1024);
}

#[test]
fn a_fault_round_trips_through_json() {
    let k = FaultKind::Latency {
        delay_ms: 300,
        jitter_ms: 0,
        loss_percent: 0.0,
    };
    let text = serde_json::to_string(&k).unwrap();
    assert!(text.contains("\"kind\":\"latency\""), "{text}");
    assert_eq!(serde_json::from_str::<FaultKind>(&text).unwrap(), k);
}
