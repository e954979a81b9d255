// Prometheus metrics (prom-client).
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

const registry = new Registry();
collectDefaultMetrics({ register: registry, prefix: 'acd_operator_' });

export const metrics = {
  registry,
  commands: new Counter({
    name: 'acd_vm_commands_total',
    help: 'Start/stop commands issued to VMs',
    labelNames: ['action'],
    registers: [registry],
  }),
  transitionEvents: new Counter({
    name: 'acd_transition_events_total',
    help:
      'Transition and stage events by reason (PoweredOn, PoweredOff, StageStarted, StageCompleted, StageStalled, ' +
      'Reversed...)',
    labelNames: ['reason'],
    registers: [registry],
  }),
  reconcileDuration: new Histogram({
    name: 'acd_reconcile_duration_seconds',
    help: 'Duration of one reconcile',
    labelNames: ['result'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  }),
  reconcileErrors: new Counter({
    name: 'acd_reconcile_errors_total',
    help: 'Reconciles that failed and were retried with backoff',
    registers: [registry],
  }),
  // Stages wait for VMs to boot or shut down: seconds to tens of minutes, not milliseconds.
  stageDuration: new Histogram({
    name: 'acd_stage_duration_seconds',
    help: 'Time from a stage starting to its StageCompleted event, by transition direction',
    labelNames: ['direction'],
    buckets: [0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1200, 1800],
    registers: [registry],
  }),
  // A gate waits for calls to end or a smoke test to pass: seconds to an hour.
  gateWait: new Histogram({
    name: 'acd_gate_wait_seconds',
    help: 'Time a spec.gates gate waited, from its start to its end, by outcome (Passed, Skipped, TimedOut)',
    labelNames: ['namespace', 'name', 'gate', 'outcome'],
    buckets: [1, 5, 10, 30, 60, 120, 300, 600, 1200, 1800, 3600],
    registers: [registry],
  }),
  healthChecks: new Counter({
    name: 'acd_health_checks_total',
    help: 'Health-gate checks run, by check and result (healthy, unhealthy)',
    labelNames: ['check', 'result'],
    registers: [registry],
  }),
  scheduleSlotsMissed: new Counter({
    name: 'acd_schedule_slots_missed_total',
    help: 'Scheduled On/Off slots that began and ended while no operator watched (reported, never replayed)',
    registers: [registry],
  }),
  leader: new Gauge({
    name: 'acd_leader',
    help: '1 while this replica acts (holds the leader Lease, or runs without leader election), else 0',
    registers: [registry],
  }),
  trackQueue(depth: () => number) {
    new Gauge({
      name: 'acd_workqueue_depth',
      help: 'AcdClusters queued or being reconciled',
      registers: [registry],
      collect() {
        this.set(depth());
      },
    });
  },
};
