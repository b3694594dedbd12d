#!/usr/bin/env python3
"""Renders bench/results/scale.json (written by hack/bench-scale.sh) as markdown.

    python3 bench/scale/render.py bench/results/scale.json > bench/results/scale.md
"""
import json
import sys

GOALS = {
    1000: {'converge_s': 30, 'peak_rss_mb': 50},
    10000: {'peak_rss_mb': 300},
}


def verbs(d):
    keys = [k for k in sorted(d) if k != 'total' and d[k]]
    return ', '.join('%s %d' % (k, d[k]) for k in keys) + ' (total %d)' % d.get('total', 0)


def goal_mark(value, goal):
    if goal is None:
        return ''
    return ' ✅' if value <= goal else ' ❌ (goal %s)' % goal


def render_run(count, r):
    g = GOALS.get(int(count), {})
    c = r['controller']
    lines = []
    m = r['machine']
    v = r['versions']
    lines.append('## %s ModelDeployments' % format(int(count), ','))
    lines.append('')
    lines.append('%s · %s · %d cores · %.1f GiB RAM · kernel %s · commit %s · Kubernetes %s, '
                 'etcd %s, KWOK %s · %d KWOK nodes' % (
                     r['date'], m['cpu'], m['nproc'], m['ram_gib'], m['kernel'],
                     v['git_commit'], v['kubernetes'], v['etcd'], v['kwok'], r['kwok_nodes']))
    lines.append('')
    argv = r.get('controller_args', [])[1:]
    args = ' '.join(a for i, a in enumerate(argv)
                    if a not in ('--kubeconfig', '--metrics-address') and
                    (i == 0 or argv[i - 1] not in ('--kubeconfig', '--metrics-address')))
    lines.append('Command: `%s` · controller `%s` (workers: %s) · replicas %d each · created by '
                 '%d concurrent clients' % (r['command'], args, r['workers'], r['replicas'],
                                            r['creators']))
    lines.append('')
    la = r['load_average']
    lines.append('Load average (1, 5, 15 min): start %s · after creation %s · converged %s · '
                 'end %s. The machine is shared: with other work running, figures are '
                 'pessimistic.' % (la['start'], r['create']['load_average'],
                                   r['converge']['load_average'], la['end']))
    lines.append('')
    lines.append('| figure | measured |')
    lines.append('|---|---|')
    cr = r['create']
    lines.append('| creation of all %s (client side) | %.1f s (%.0f/s, %d errors) |' % (
        count, cr['seconds'], cr['per_second'], cr['errors']))
    cv = r['converge']
    lines.append('| every ReplicaSet written and `observedGeneration` current | %s%.1f s%s '
                 '(last ReplicaSet %.1f s, last status %.1f s; %d/%s) |' % (
                     '' if cv['reached'] else 'not reached: ', cv['seconds'],
                     goal_mark(cv['seconds'], g.get('converge_s')),
                     cv['last_replicaset_seconds'], cv['last_observed_generation_seconds'],
                     cv['observed'], count))
    h = r['healthy']
    lines.append('| all Healthy | %s%.1f s (%d/%s) |' % (
        '' if h['reached'] else 'not reached: ', h['seconds'], h['healthy'], count))
    lines.append('| controller peak RSS (VmHWM) | %.1f MB%s (idle before the burst %.1f MB, '
                 'at convergence %.1f MB) |' % (
                     c['peak_rss_mb'], goal_mark(c['peak_rss_mb'], g.get('peak_rss_mb')),
                     c['before_burst']['rss_mb'], c['at_converge']['rss_mb']))
    lines.append('| controller threads | %d |' % c['end']['threads'])
    lines.append('| controller CPU to convergence / to all Healthy | %.1f s / %.1f s |' % (
        c['cpu_seconds_converge'], c['cpu_seconds_healthy']))
    lines.append('| API requests to convergence | %s |' % verbs(r['api_requests']['converge']))
    lines.append('| API requests to all Healthy | %s |' % verbs(r['api_requests']['healthy']))
    lines.append('| mean API request latency seen by the controller (to convergence) | %.1f ms |'
                 % r['api_mean_latency_ms']['converge'])
    lines.append('| reconciles to convergence / to all Healthy | %d / %d |' % (
        r['reconciles']['converge'], r['reconciles']['healthy']))
    s = r.get('steady')
    if s and 'skipped' in s:
        lines.append('| steady state | skipped: %s |' % s['skipped'])
        s = None
    if s:
        lines.append('| steady state: writes in %.0f s (%d reconciles) | **%d** writes '
                     '(%.3f per reconcile; goal 0) · requests: %s |' % (
                         s['seconds'], s['reconciles'], s['writes'], s['writes_per_reconcile'],
                         verbs(s['api_requests'])))
        lines.append('| steady state: controller CPU | %.1f %% of one core (%.2f s in %.0f s) |'
                     % (s['cpu_percent'], s['cpu_seconds'], s['seconds']))
        lines.append('| watch reconnects (in the window / since start) | %d / %d (relists %d, '
                     'failures %d since start) |' % (
                         s['watch_restarts'], s['watch_restarts_since_start'],
                         s['relists_since_start'], s['informer_failures_since_start']))
    lt = r.get('latency')
    if lt and 'skipped' in lt:
        lines.append('| spec change → canary ReplicaSet | skipped: %s |' % lt['skipped'])
        lt = None
    if lt:
        lines.append('| spec change → canary ReplicaSet written, %d changes with %s objects '
                     'present | p50 %.1f ms, p99 %.1f ms, max %.1f ms (%d missed) |' % (
                         lt['measured'], count, lt['p50_ms'], lt['p99_ms'], lt['max_ms'],
                         lt['missed']))
    lines.append('| controller error log lines | %d |' % r['controller_error_log_lines'])
    lines.append('')
    procs = r.get('processes', {})
    if procs:
        lines.append('CPU seconds of the control plane to convergence (the machine has %d '
                     'cores: compare with the wall time):' % m['nproc'])
        lines.append('')
        lines.append('| process | CPU s to convergence | CPU s to all Healthy | steady CPU % |')
        lines.append('|---|---|---|---|')
        lines.append('| skewgate-controller | %.1f | %.1f | %s |' % (
            c['cpu_seconds_converge'], c['cpu_seconds_healthy'],
            '%.1f' % s['cpu_percent'] if s else ''))
        for name in sorted(procs):
            p = procs[name]
            lines.append('| %s | %.1f | %.1f | %s |' % (
                name, p.get('cpu_seconds_converge', 0), p.get('cpu_seconds_healthy', 0),
                '%.1f' % p['cpu_percent_steady'] if 'cpu_percent_steady' in p else ''))
        lines.append('')
    lines.extend(render_peer(count, r))
    return lines


PEERS = (('peer', 'Deployments'), ('peer_objects', 'Deployments + ConfigMap + Service'))


def render_peer(count, r):
    peers = [(key, title, r[key]) for key, title in PEERS if r.get(key)]
    if not peers:
        return []

    def total_cpu(run, extra=0.0):
        return extra + sum(v.get('cpu_seconds_converge', 0)
                           for v in run.get('processes', {}).values())

    def ratio(a, b):
        return ' (%.2f×)' % (a / b) if b else ''
    lines = ['The peers: the same burst through kube-controller-manager on a fresh cluster of '
             'the same shape each (`bench/scale/peer_deployments.py`, timed from two '
             '`kubectl --watch`): %s Deployments (replicas 1, one container), and the same '
             'Deployments with the two objects a first ModelDeployment revision also brings, '
             'a ConfigMap and a ClusterIP Service, created by the clients up front. '
             '(×: skewgate / peer.)' % format(int(count), ','), '']
    for key, title, p in peers:
        lines.append('- %s: load average at start %s, at convergence %s' % (
            title, p['load_average']['start'], p['converge']['load_average']))
    lines.append('')
    lines.append('| figure | skewgate | %s |' % ' | '.join(t for _, t, _ in peers))
    lines.append('|---|---|' + '---|' * len(peers))
    cv = r['converge']
    mine_cpu = total_cpu(r, r['controller']['cpu_seconds_converge'])
    rows = [
        ('creation (client side), s', r['create']['seconds'],
         [p['create']['seconds'] for _, _, p in peers], False),
        ('every ReplicaSet written and `observedGeneration` current, s', cv['seconds'],
         [p['converge']['seconds'] for _, _, p in peers], True),
        ('all Healthy / all Available, s', r['healthy']['seconds'],
         [p['available']['seconds'] for _, _, p in peers], True),
        ('CPU seconds of every process to convergence', mine_cpu,
         [total_cpu(p) for _, _, p in peers], True),
    ]
    names = sorted({n for _, _, p in peers for n in p.get('processes', {})})
    for name in names:
        rows.append(('… %s' % name,
                     r.get('processes', {}).get(name, {}).get('cpu_seconds_converge', 0),
                     [p.get('processes', {}).get(name, {}).get('cpu_seconds_converge', 0)
                      for _, _, p in peers], True))
    for label, mine, theirs, with_ratio in rows:
        cells = ['%.1f%s' % (t, ratio(mine, t) if with_ratio else '') for t in theirs]
        lines.append('| %s | %.1f | %s |' % (label, mine, ' | '.join(cells)))
    lines.append('')
    return lines


def main():
    doc = json.load(open(sys.argv[1]))
    out = ['# Controller at scale', '',
           'Written by `hack/bench-scale.sh` (`make bench-scale`) from `bench/results/scale.json`. '
           'Each run: a fresh local control plane (KWOK nodes), the real `skewgate-controller` '
           'watching all namespaces, `bench/scale/scale_harness.cc` creating the '
           'ModelDeployments at once (replicas 1, a canary strategy `setWeight 50` then a '
           'manual pause) and timing from its own watches. Analysis is off (`--analysis none`): '
           'KWOK pods run no sidecars, so this measures the controller\'s own machinery. '
           'See docs/performance.md for the goals and what limited each figure.', '']
    for count in sorted(doc['runs'], key=int):
        out.extend(render_run(count, doc['runs'][count]))
    print('\n'.join(out))


if __name__ == '__main__':
    main()
