#!/usr/bin/env python3
"""The peer for `make bench-scale`: the same burst through Kubernetes' own Deployment controller.

Creates COUNT apps/v1 Deployments (replicas 1, one container) at once from CREATORS
concurrent kubectl processes on a fresh local control plane (hack/bench-scale.sh starts
it), and times from two watches when each has its ReplicaSet and a current
status.observedGeneration (the figure the skewgate run reports as "converged"), and when
each is Available. Reports the CPU seconds of the control plane's processes over the same
spans. Prints one JSON document. With --with-objects each Deployment comes with a
ConfigMap and a ClusterIP Service, the other objects a first ModelDeployment revision
brings, created by the same clients just before it.

    peer_deployments.py --kubectl K --kubeconfig C --count 1000 --pids name=pid,...
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time

NAMESPACE = 'peer'


def cpu_seconds(pid):
    try:
        with open('/proc/%d/stat' % pid) as f:
            fields = f.read().rsplit(')', 1)[1].split()
    except OSError:
        return 0.0
    # After ')' comes field 3 (state); utime and stime are fields 14 and 15.
    return (int(fields[11]) + int(fields[12])) / os.sysconf('SC_CLK_TCK')


def load_average():
    with open('/proc/loadavg') as f:
        return ' '.join(f.read().split()[:3])


def service(name):
    return {'apiVersion': 'v1', 'kind': 'Service',
            'metadata': {'name': name, 'namespace': NAMESPACE},
            'spec': {'selector': {'bench.skewgate.io/peer': name},
                     'ports': [{'name': 'http', 'port': 8080, 'targetPort': 8081}]}}


def config_map(name):
    # About the size of a sidecar's settings.
    return {'apiVersion': 'v1', 'kind': 'ConfigMap',
            'metadata': {'name': name + '-settings', 'namespace': NAMESPACE},
            'data': {'settings.json': json.dumps({'name': name, 'port': 8080,
                                                  'columns': ['c%02d' % i for i in range(40)]})}}


def deployment(name):
    return {'apiVersion': 'apps/v1', 'kind': 'Deployment',
            'metadata': {'name': name, 'namespace': NAMESPACE},
            'spec': {'replicas': 1,
                     'selector': {'matchLabels': {'bench.skewgate.io/peer': name}},
                     'template': {
                         'metadata': {'labels': {'bench.skewgate.io/peer': name}},
                         'spec': {'containers': [{
                             'name': 'server', 'image': 'registry.example.com/bench-server:1',
                             'ports': [{'containerPort': 8081}]}]}}}}


class Seen:
    """What the watches saw, with the first time of each milestone."""

    def __init__(self):
        self.lock = threading.Condition()
        self.observed = {}   # deployment -> seconds since t0
        self.available = {}
        self.replicaset = {}
        self.t0 = None

    def now(self):
        return time.monotonic() - self.t0 if self.t0 is not None else 0.0

    def on_deployment(self, d):
        name = d['metadata']['name']
        st = d.get('status', {})
        with self.lock:
            if st.get('observedGeneration') == d['metadata'].get('generation'):
                self.observed.setdefault(name, self.now())
            if st.get('availableReplicas', 0) >= d['spec'].get('replicas', 1):
                self.available.setdefault(name, self.now())
            self.lock.notify_all()

    def on_replicaset(self, rs):
        owners = rs['metadata'].get('ownerReferences', [])
        if not owners:
            return
        with self.lock:
            self.replicaset.setdefault(owners[0]['name'], self.now())
            self.lock.notify_all()

    def wait(self, pred, deadline):
        with self.lock:
            while not pred():
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self.lock.wait(min(left, 1.0))
            return True


def watch(kubectl, kind, handler, ready):
    """Streams `kubectl get KIND -w` (JSON events) into handler until the process ends."""
    p = subprocess.Popen(kubectl + ['get', kind, '-n', NAMESPACE, '--watch',
                                    '--output-watch-events', '-o', 'json'],
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    ready.append(p)
    decoder = json.JSONDecoder()
    buf = ''
    for chunk in iter(lambda: p.stdout.readline(), ''):
        buf += chunk
        while True:
            stripped = buf.lstrip()
            if not stripped:
                buf = ''
                break
            try:
                event, end = decoder.raw_decode(stripped)
            except ValueError:
                break
            buf = stripped[end:]
            if event.get('type') in ('ADDED', 'MODIFIED'):
                handler(event['object'])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--kubectl', required=True)
    ap.add_argument('--kubeconfig', required=True)
    ap.add_argument('--count', type=int, default=1000)
    ap.add_argument('--creators', type=int, default=16)
    ap.add_argument('--pids', default='', help='name=pid,name=pid')
    ap.add_argument('--timeout', type=float, default=300)
    ap.add_argument('--with-objects', action='store_true',
                    help='also a ConfigMap and a ClusterIP Service per Deployment, the objects '
                         'a first ModelDeployment revision brings besides its ReplicaSet')
    args = ap.parse_args()
    kubectl = [args.kubectl, '--kubeconfig', args.kubeconfig]
    pids = dict((k, int(v)) for k, v in (i.split('=', 1) for i in args.pids.split(',') if i))

    subprocess.run(kubectl + ['create', 'namespace', NAMESPACE], check=True,
                   stdout=subprocess.DEVNULL)
    seen = Seen()
    procs = []
    for kind, handler in (('deployments', seen.on_deployment),
                          ('replicasets', seen.on_replicaset)):
        threading.Thread(target=watch, args=(kubectl, kind, handler, procs), daemon=True).start()
    time.sleep(3)  # both watches established before the burst

    work = tempfile.mkdtemp()
    parts = []
    for c in range(args.creators):
        items = []
        for i in range(c, args.count, args.creators):
            name = 'd-%05d' % i
            # ConfigMap and Service first, as a controller would write them.
            if args.with_objects:
                items += [config_map(name), service(name)]
            items.append(deployment(name))
        path = os.path.join(work, 'part%02d.json' % c)
        with open(path, 'w') as f:
            json.dump({'apiVersion': 'v1', 'kind': 'List', 'items': items}, f)
        parts.append(path)

    out = {'count': args.count, 'creators': args.creators, 'replicas': 1,
           'objects': 'Deployment, ConfigMap, Service' if args.with_objects else 'Deployment',
           'load_average': {'start': load_average()}}
    cpu0 = {k: cpu_seconds(p) for k, p in pids.items()}
    seen.t0 = time.monotonic()
    creators = [subprocess.Popen(kubectl + ['create', '-f', p], stdout=subprocess.DEVNULL,
                                 stderr=subprocess.PIPE, text=True) for p in parts]
    errors = 0
    for c in creators:
        _, err = c.communicate()
        errors += sum(1 for line in err.splitlines() if line.strip())
    created = seen.now()
    out['create'] = {'seconds': created, 'errors': errors, 'per_second': args.count / created}
    deadline = seen.t0 + args.timeout

    def converged():
        return sum(1 for n in seen.observed if n in seen.replicaset) >= args.count
    reached = seen.wait(converged, deadline)
    with seen.lock:
        both = [n for n in seen.observed if n in seen.replicaset]
        out['converge'] = {
            'reached': reached,
            'seconds': max([max(seen.observed[n], seen.replicaset[n]) for n in both] or [0]),
            'last_replicaset_seconds': max(seen.replicaset.values() or [0]),
            'last_observed_generation_seconds': max(seen.observed.values() or [0]),
            'observed': len(both), 'load_average': load_average()}
    for k, p in pids.items():
        out.setdefault('processes', {}).setdefault(k, {})['cpu_seconds_converge'] = \
            cpu_seconds(p) - cpu0[k]
    reached = seen.wait(lambda: len(seen.available) >= args.count, deadline)
    with seen.lock:
        out['available'] = {'reached': reached,
                            'seconds': max(seen.available.values() or [0]),
                            'available': len(seen.available), 'load_average': load_average()}
    for k, p in pids.items():
        out['processes'][k]['cpu_seconds_available'] = cpu_seconds(p) - cpu0[k]
    out['load_average']['end'] = load_average()
    for p in procs:
        p.terminate()
    json.dump(out, sys.stdout, indent=2, sort_keys=True)
    print()
    return 0 if out['converge']['reached'] else 1


if __name__ == '__main__':
    sys.exit(main())
