/* IMPORTANT
 * This snapshot file is auto-generated, but designed for humans.
 * It should be checked into source control and tracked carefully.
 * Re-generate by setting TAP_SNAPSHOT=1 and running tests.
 * Make sure to inspect the output below.  Do not ignore changes!
 */
'use strict'
exports[`test/plan/render.test.ts > TAP > json rendering is the plan itself, format_version first > showcase json 1`] = `
{
  "format_version": 1,
  "spec": {
    "name": "prod",
    "digest": "f00dfeedf00dfeedf00dfeedf00dfeedf00dfeedf00dfeedf00dfeedf00dfeed",
    "file": "examples/prod.yaml"
  },
  "createdAt": "2025-06-01T12:00:00.000Z",
  "groups": [
    {
      "name": "prod-web-app",
      "currentSite": "site-a",
      "desiredSite": "site-b",
      "replication": "async",
      "lastSyncAt": "2025-06-01T11:59:18.000Z",
      "lagSeconds": 42,
      "status": "changes",
      "line": "prod-web-app: failover site-a → site-b (planned) · 3 VMs · promote pg-prod-web-app on site-b · data at risk: none (last sync 42s ago)"
    },
    {
      "name": "prod-pay",
      "currentSite": "site-a",
      "desiredSite": "site-a",
      "replication": "sync",
      "lagSeconds": 0,
      "status": "changes",
      "line": "prod-pay: drill on site-b · 2 VM copies on drill networks · clone pod-prod-pay (sync replication) · production on site-a untouched"
    },
    {
      "name": "prod-batch",
      "currentSite": "site-a",
      "desiredSite": "site-b",
      "replication": "async",
      "lastSyncAt": "2025-06-01T11:59:18.000Z",
      "lagSeconds": 42,
      "status": "blocked",
      "line": "prod-batch: BLOCKED · failover site-a → site-b wanted · 1 blocker (DRCTL_E3005)"
    }
  ],
  "actions": [
    {
      "group": "prod-web-app",
      "action": "failover",
      "mode": "planned",
      "from": "site-a",
      "to": "site-b",
      "operationId": "op-20250601T120000Z-1",
      "vms": 3,
      "storage": "promote pg-prod-web-app on site-b",
      "dataAtRisk": {
        "seconds": 0,
        "lastSyncAt": "2025-06-01T11:59:18.000Z"
      },
      "summary": "failover site-a → site-b (planned) · 3 VMs · promote pg-prod-web-app on site-b · data at risk: none (last sync 42s ago)",
      "steps": [
        {
          "id": "prod-web-app/preflight/failover",
          "name": "preflight",
          "phase": "preparation",
          "site": "site-b",
          "target": "failover",
          "dependsOn": [],
          "params": {
            "action": "failover",
            "mode": "planned",
            "from": "site-a",
            "to": "site-b",
            "needs": [
              "site-a",
              "site-b"
            ],
            "lastSyncAt": "2025-06-01T11:59:18.000Z"
          },
          "description": "check site-a and site-b again (reachability, record versions, replication) before touching anything"
        },
        {
          "id": "prod-web-app/operation.open/failover",
          "name": "operation.open",
          "phase": "preparation",
          "target": "failover",
          "dependsOn": [
            "prod-web-app/preflight/failover"
          ],
          "params": {
            "operationId": "op-20250601T120000Z-1",
            "type": "failover",
            "mode": "planned",
            "from": "site-a",
            "to": "site-b"
          },
          "description": "open operation op-20250601T120000Z-1 (failover site-a → site-b) in the journal"
        },
        {
          "id": "prod-web-app/server.capture-metadata/db-server-1",
          "name": "server.capture-metadata",
          "phase": "preparation",
          "site": "site-a",
          "target": "db-server-1",
          "tier": 1,
          "dependsOn": [
            "prod-web-app/operation.open/failover"
          ],
          "params": {
            "member": "db-server-1",
            "serverId": "srv-site-a-db-server-1",
            "serverName": "db-server-1"
          },
          "description": "record db-server-1's flavor, networks, security groups and volumes in the journal"
        },
        {
          "id": "prod-web-app/server.capture-metadata/web-server-1",
          "name": "server.capture-metadata",
          "phase": "preparation",
          "site": "site-a",
          "target": "web-server-1",
          "tier": 2,
          "dependsOn": [
            "prod-web-app/operation.open/failover"
          ],
          "params": {
            "member": "web-server-1",
            "serverId": "srv-site-a-web-server-1",
            "serverName": "web-server-1"
          },
          "description": "record web-server-1's flavor, networks, security groups and volumes in the journal"
        },
        {
          "id": "prod-web-app/server.capture-metadata/web-server-2",
          "name": "server.capture-metadata",
          "phase": "preparation",
          "site": "site-a",
          "target": "web-server-2",
          "tier": 2,
          "dependsOn": [
            "prod-web-app/operation.open/failover"
          ],
          "params": {
            "member": "web-server-2",
            "serverId": "srv-site-a-web-server-2",
            "serverName": "web-server-2"
          },
          "description": "record web-server-2's flavor, networks, security groups and volumes in the journal"
        },
        {
          "id": "prod-web-app/server.stop/web-server-1",
          "name": "server.stop",
          "phase": "preparation",
          "site": "site-a",
          "target": "web-server-1",
          "tier": 2,
          "dependsOn": [
            "prod-web-app/server.capture-metadata/web-server-1"
          ],
          "params": {
            "member": "web-server-1",
            "serverId": "srv-site-a-web-server-1",
            "serverName": "web-server-1"
          },
          "description": "stop web-server-1 on site-a (tier 2)"
        },
        {
          "id": "prod-web-app/server.stop/web-server-2",
          "name": "server.stop",
          "phase": "preparation",
          "site": "site-a",
          "target": "web-server-2",
          "tier": 2,
          "dependsOn": [
            "prod-web-app/server.capture-metadata/web-server-2"
          ],
          "params": {
            "member": "web-server-2",
            "serverId": "srv-site-a-web-server-2",
            "serverName": "web-server-2"
          },
          "description": "stop web-server-2 on site-a (tier 2)"
        },
        {
          "id": "prod-web-app/server.wait-stopped/tier-2",
          "name": "server.wait-stopped",
          "phase": "preparation",
          "site": "site-a",
          "target": "tier-2",
          "tier": 2,
          "dependsOn": [
            "prod-web-app/server.stop/web-server-1",
            "prod-web-app/server.stop/web-server-2"
          ],
          "params": {
            "tier": 2,
            "members": [
              {
                "member": "web-server-1",
                "serverId": "srv-site-a-web-server-1"
              },
              {
                "member": "web-server-2",
                "serverId": "srv-site-a-web-server-2"
              }
            ]
          },
          "description": "wait until the 2 tier-2 members are SHUTOFF on site-a"
        },
        {
          "id": "prod-web-app/server.stop/db-server-1",
          "name": "server.stop",
          "phase": "preparation",
          "site": "site-a",
          "target": "db-server-1",
          "tier": 1,
          "dependsOn": [
            "prod-web-app/server.capture-metadata/db-server-1",
            "prod-web-app/server.wait-stopped/tier-2"
          ],
          "params": {
            "member": "db-server-1",
            "serverId": "srv-site-a-db-server-1",
            "serverName": "db-server-1"
          },
          "description": "stop db-server-1 on site-a (tier 1)"
        },
        {
          "id": "prod-web-app/server.wait-stopped/tier-1",
          "name": "server.wait-stopped",
          "phase": "preparation",
          "site": "site-a",
          "target": "tier-1",
          "tier": 1,
          "dependsOn": [
            "prod-web-app/server.stop/db-server-1"
          ],
          "params": {
            "tier": 1,
            "members": [
              {
                "member": "db-server-1",
                "serverId": "srv-site-a-db-server-1"
              }
            ]
          },
          "description": "wait until the tier-1 member is SHUTOFF on site-a"
        },
        {
          "id": "prod-web-app/storage.final-sync/site-a",
          "name": "storage.final-sync",
          "phase": "storage",
          "site": "site-a",
          "dependsOn": [
            "prod-web-app/server.wait-stopped/tier-1"
          ],
          "params": {
            "storageObject": "pg-prod-web-app",
            "driver": "pure",
            "replication": "async",
            "suffix": "drctl-op-20250601T120000Z-1",
            "peer": "site-b"
          },
          "description": "final sync: snapshot pg-prod-web-app on site-a and replicate it to site-b now"
        },
        {
          "id": "prod-web-app/storage.wait-transfer/site-a",
          "name": "storage.wait-transfer",
          "phase": "storage",
          "site": "site-a",
          "dependsOn": [
            "prod-web-app/storage.final-sync/site-a"
          ],
          "params": {
            "storageObject": "pg-prod-web-app",
            "driver": "pure",
            "replication": "async",
            "snapshotFrom": "prod-web-app/storage.final-sync/site-a",
            "peer": "site-b"
          },
          "description": "wait until the final snapshot has fully arrived on site-b"
        },
        {
          "id": "prod-web-app/storage.demote/site-a",
          "name": "storage.demote",
          "phase": "storage",
          "site": "site-a",
          "dependsOn": [
            "prod-web-app/storage.wait-transfer/site-a"
          ],
          "params": {
            "storageObject": "pg-prod-web-app",
            "driver": "pure",
            "replication": "async",
            "peer": "site-b"
          },
          "description": "demote pg-prod-web-app on site-a (stop replicating out of the old source)"
        },
        {
          "id": "prod-web-app/storage.promote/site-b",
          "name": "storage.promote",
          "phase": "storage",
          "site": "site-b",
          "dependsOn": [
            "prod-web-app/storage.wait-transfer/site-a"
          ],
          "params": {
            "storageObject": "pg-prod-web-app",
            "driver": "pure",
            "replication": "async",
            "force": false,
            "peer": "site-a",
            "snapshotFrom": "prod-web-app/storage.final-sync/site-a",
            "volumes": [
              "volume-vol-site-a-db-server-1-boot-cinder",
              "volume-vol-site-a-db-server-1-data-cinder",
              "volume-vol-site-a-web-server-1-boot-cinder",
              "volume-vol-site-a-web-server-2-boot-cinder"
            ]
          },
          "description": "promote pg-prod-web-app on site-b: new volumes from the final replicated snapshot"
        },
        {
          "id": "prod-web-app/cgroup.ensure/site-b",
          "name": "cgroup.ensure",
          "phase": "storage",
          "site": "site-b",
          "dependsOn": [
            "prod-web-app/storage.promote/site-b"
          ],
          "params": {
            "name": "drctl-prod-web-app",
            "volumeType": "replicated-ssd"
          },
          "description": "ensure consistency group drctl-prod-web-app on site-b"
        },
        {
          "id": "prod-web-app/volume.import/db-server-1",
          "name": "volume.import",
          "phase": "storage",
          "site": "site-b",
          "target": "db-server-1",
          "tier": 1,
          "dependsOn": [
            "prod-web-app/storage.promote/site-b"
          ],
          "params": {
            "member": "db-server-1",
            "role": "production",
            "volumeType": "replicated-ssd",
            "volumes": [
              {
                "sourceVolumeId": "vol-site-a-db-server-1-boot",
                "name": "db-server-1-boot",
                "size": 20,
                "bootable": true,
                "volumeType": "replicated-ssd",
                "arrayVolume": "volume-vol-site-a-db-server-1-boot-cinder"
              },
              {
                "sourceVolumeId": "vol-site-a-db-server-1-data",
                "name": "db-server-1-data",
                "size": 100,
                "bootable": false,
                "volumeType": "replicated-ssd",
                "arrayVolume": "volume-vol-site-a-db-server-1-data-cinder"
              }
            ],
            "tags": {
              "drctl.group": "prod-web-app",
              "drctl.member": "db-server-1",
              "drctl.role": "production",
              "drctl.op": "op-20250601T120000Z-1",
              "drctl.tier": "1"
            }
          },
          "description": "import 2 volume(s) of db-server-1 into Cinder on site-b (manage)"
        },
        {
          "id": "prod-web-app/volume.import/web-server-1",
          "name": "volume.import",
          "phase": "storage",
          "site": "site-b",
          "target": "web-server-1",
          "tier": 2,
          "dependsOn": [
            "prod-web-app/storage.promote/site-b"
          ],
          "params": {
            "member": "web-server-1",
            "role": "production",
            "volumeType": "replicated-ssd",
            "volumes": [
              {
                "sourceVolumeId": "vol-site-a-web-server-1-boot",
                "name": "web-server-1-boot",
                "size": 20,
                "bootable": true,
                "volumeType": "replicated-ssd",
                "arrayVolume": "volume-vol-site-a-web-server-1-boot-cinder"
              }
            ],
            "tags": {
              "drctl.group": "prod-web-app",
              "drctl.member": "web-server-1",
              "drctl.role": "production",
              "drctl.op": "op-20250601T120000Z-1",
              "drctl.tier": "2"
            }
          },
          "description": "import 1 volume(s) of web-server-1 into Cinder on site-b (manage)"
        },
        {
          "id": "prod-web-app/volume.import/web-server-2",
          "name": "volume.import",
          "phase": "storage",
          "site": "site-b",
          "target": "web-server-2",
          "tier": 2,
          "dependsOn": [
            "prod-web-app/storage.promote/site-b"
          ],
          "params": {
            "member": "web-server-2",
            "role": "production",
            "volumeType": "replicated-ssd",
            "volumes": [
              {
                "sourceVolumeId": "vol-site-a-web-server-2-boot",
                "name": "web-server-2-boot",
                "size": 20,
                "bootable": true,
                "volumeType": "replicated-ssd",
                "arrayVolume": "volume-vol-site-a-web-server-2-boot-cinder"
              }
            ],
            "tags": {
              "drctl.group": "prod-web-app",
              "drctl.member": "web-server-2",
              "drctl.role": "production",
              "drctl.op": "op-20250601T120000Z-1",
              "drctl.tier": "2"
            }
          },
          "description": "import 1 volume(s) of web-server-2 into Cinder on site-b (manage)"
        },
        {
          "id": "prod-web-app/cgroup.add-volumes/site-b",
          "name": "cgroup.add-volumes",
          "phase": "storage",
          "site": "site-b",
          "dependsOn": [
            "prod-web-app/cgroup.ensure/site-b",
            "prod-web-app/volume.import/db-server-1",
            "prod-web-app/volume.import/web-server-1",
            "prod-web-app/volume.import/web-server-2"
          ],
          "params": {
            "name": "drctl-prod-web-app",
            "members": [
              "db-server-1",
              "web-server-1",
              "web-server-2"
            ]
          },
          "description": "add the imported volumes to drctl-prod-web-app on site-b"
        },
        {
          "id": "prod-web-app/server.create/db-server-1",
          "name": "server.create",
          "phase": "instances",
          "site": "site-b",
          "target": "db-server-1",
          "tier": 1,
          "dependsOn": [
            "prod-web-app/volume.import/db-server-1"
          ],
          "params": {
            "member": "db-server-1",
            "tier": 1,
            "name": "db-server-1",
            "flavor": "m2.large",
            "networks": [
              "net-secondary-db"
            ],
            "securityGroups": [
              "default"
            ],
            "keyName": "ops-key",
            "bootVolume": "vol-site-a-db-server-1-boot",
            "volumes": [
              {
                "sourceVolumeId": "vol-site-a-db-server-1-boot",
                "name": "db-server-1-boot",
                "size": 20,
                "bootable": true,
                "volumeType": "replicated-ssd",
                "arrayVolume": "volume-vol-site-a-db-server-1-boot-cinder"
              },
              {
                "sourceVolumeId": "vol-site-a-db-server-1-data",
                "name": "db-server-1-data",
                "size": 100,
                "bootable": false,
                "volumeType": "replicated-ssd",
                "arrayVolume": "volume-vol-site-a-db-server-1-data-cinder"
              }
            ],
            "tags": {
              "drctl.group": "prod-web-app",
              "drctl.member": "db-server-1",
              "drctl.role": "production",
              "drctl.op": "op-20250601T120000Z-1",
              "drctl.tier": "1"
            },
            "metadataSource": "live"
          },
          "description": "create db-server-1 on site-b (tier 1, m2.large, net-secondary-db)"
        },
        {
          "id": "prod-web-app/server.wait-active/tier-1",
          "name": "server.wait-active",
          "phase": "instances",
          "site": "site-b",
          "target": "tier-1",
          "tier": 1,
          "dependsOn": [
            "prod-web-app/server.create/db-server-1"
          ],
          "params": {
            "tier": 1,
            "members": [
              {
                "member": "db-server-1",
                "name": "db-server-1"
              }
            ]
          },
          "description": "wait until the tier-1 member is ACTIVE on site-b"
        },
        {
          "id": "prod-web-app/server.create/web-server-1",
          "name": "server.create",
          "phase": "instances",
          "site": "site-b",
          "target": "web-server-1",
          "tier": 2,
          "dependsOn": [
            "prod-web-app/volume.import/web-server-1",
            "prod-web-app/server.wait-active/tier-1"
          ],
          "params": {
            "member": "web-server-1",
            "tier": 2,
            "name": "web-server-1",
            "flavor": "m2.large",
            "networks": [
              "net-secondary-web"
            ],
            "securityGroups": [
              "default",
              "web"
            ],
            "keyName": "ops-key",
            "bootVolume": "vol-site-a-web-server-1-boot",
            "volumes": [
              {
                "sourceVolumeId": "vol-site-a-web-server-1-boot",
                "name": "web-server-1-boot",
                "size": 20,
                "bootable": true,
                "volumeType": "replicated-ssd",
                "arrayVolume": "volume-vol-site-a-web-server-1-boot-cinder"
              }
            ],
            "tags": {
              "drctl.group": "prod-web-app",
              "drctl.member": "web-server-1",
              "drctl.role": "production",
              "drctl.op": "op-20250601T120000Z-1",
              "drctl.tier": "2"
            },
            "metadataSource": "live"
          },
          "description": "create web-server-1 on site-b (tier 2, m2.large, net-secondary-web)"
        },
        {
          "id": "prod-web-app/server.create/web-server-2",
          "name": "server.create",
          "phase": "instances",
          "site": "site-b",
          "target": "web-server-2",
          "tier": 2,
          "dependsOn": [
            "prod-web-app/volume.import/web-server-2",
            "prod-web-app/server.wait-active/tier-1"
          ],
          "params": {
            "member": "web-server-2",
            "tier": 2,
            "name": "web-server-2",
            "flavor": "m2.large",
            "networks": [
              "net-secondary-web"
            ],
            "securityGroups": [
              "default",
              "web"
            ],
            "keyName": "ops-key",
            "bootVolume": "vol-site-a-web-server-2-boot",
            "volumes": [
              {
                "sourceVolumeId": "vol-site-a-web-server-2-boot",
                "name": "web-server-2-boot",
                "size": 20,
                "bootable": true,
                "volumeType": "replicated-ssd",
                "arrayVolume": "volume-vol-site-a-web-server-2-boot-cinder"
              }
            ],
            "tags": {
              "drctl.group": "prod-web-app",
              "drctl.member": "web-server-2",
              "drctl.role": "production",
              "drctl.op": "op-20250601T120000Z-1",
              "drctl.tier": "2"
            },
            "metadataSource": "live"
          },
          "description": "create web-server-2 on site-b (tier 2, m2.large, net-secondary-web)"
        },
        {
          "id": "prod-web-app/server.wait-active/tier-2",
          "name": "server.wait-active",
          "phase": "instances",
          "site": "site-b",
          "target": "tier-2",
          "tier": 2,
          "dependsOn": [
            "prod-web-app/server.create/web-server-1",
            "prod-web-app/server.create/web-server-2"
          ],
          "params": {
            "tier": 2,
            "members": [
              {
                "member": "web-server-1",
                "name": "web-server-1"
              },
              {
                "member": "web-server-2",
                "name": "web-server-2"
              }
            ]
          },
          "description": "wait until the 2 tier-2 members are ACTIVE on site-b"
        },
        {
          "id": "prod-web-app/verify/failover",
          "name": "verify",
          "phase": "finalization",
          "site": "site-b",
          "target": "failover",
          "dependsOn": [
            "prod-web-app/server.wait-active/tier-1",
            "prod-web-app/server.wait-active/tier-2",
            "prod-web-app/cgroup.add-volumes/site-b"
          ],
          "params": {
            "members": [
              "db-server-1",
              "web-server-1",
              "web-server-2"
            ],
            "expectStatus": "ACTIVE",
            "site": "site-b"
          },
          "description": "verify all 3 member(s) ACTIVE on site-b with their volumes attached"
        },
        {
          "id": "prod-web-app/failover/server.capture-metadata/db-server-1",
          "name": "server.capture-metadata",
          "phase": "finalization",
          "site": "site-b",
          "target": "db-server-1",
          "tier": 1,
          "dependsOn": [
            "prod-web-app/verify/failover"
          ],
          "params": {
            "member": "db-server-1",
            "serverName": "db-server-1"
          },
          "description": "record db-server-1's flavor, networks, security groups and volumes on site-b in the journal"
        },
        {
          "id": "prod-web-app/failover/server.capture-metadata/web-server-1",
          "name": "server.capture-metadata",
          "phase": "finalization",
          "site": "site-b",
          "target": "web-server-1",
          "tier": 2,
          "dependsOn": [
            "prod-web-app/verify/failover"
          ],
          "params": {
            "member": "web-server-1",
            "serverName": "web-server-1"
          },
          "description": "record web-server-1's flavor, networks, security groups and volumes on site-b in the journal"
        },
        {
          "id": "prod-web-app/failover/server.capture-metadata/web-server-2",
          "name": "server.capture-metadata",
          "phase": "finalization",
          "site": "site-b",
          "target": "web-server-2",
          "tier": 2,
          "dependsOn": [
            "prod-web-app/verify/failover"
          ],
          "params": {
            "member": "web-server-2",
            "serverName": "web-server-2"
          },
          "description": "record web-server-2's flavor, networks, security groups and volumes on site-b in the journal"
        },
        {
          "id": "prod-web-app/storage.remove-unmanaged/site-b",
          "name": "storage.remove-unmanaged",
          "phase": "finalization",
          "site": "site-b",
          "dependsOn": [
            "prod-web-app/verify/failover"
          ],
          "params": {
            "storageObject": "pg-prod-web-app",
            "driver": "pure",
            "replication": "async"
          },
          "description": "destroy prod-web-app's old *-cinder-unmanaged volumes on site-b's array (superseded; recoverable until the array's eradication delay)"
        },
        {
          "id": "prod-web-app/storage.reverse-replication/site-b",
          "name": "storage.reverse-replication",
          "phase": "finalization",
          "site": "site-b",
          "dependsOn": [
            "prod-web-app/verify/failover",
            "prod-web-app/storage.demote/site-a"
          ],
          "params": {
            "storageObject": "pg-prod-web-app",
            "driver": "pure",
            "replication": "async",
            "peer": "site-a"
          },
          "description": "reverse replication: site-b → site-a"
        },
        {
          "id": "prod-web-app/server.delete/db-server-1",
          "name": "server.delete",
          "phase": "finalization",
          "site": "site-a",
          "target": "db-server-1",
          "tier": 1,
          "dependsOn": [
            "prod-web-app/verify/failover"
          ],
          "params": {
            "member": "db-server-1",
            "serverId": "srv-site-a-db-server-1",
            "serverName": "db-server-1",
            "keepVolumes": true
          },
          "description": "retire the stopped db-server-1 on site-a (its volumes are kept)"
        },
        {
          "id": "prod-web-app/server.delete/web-server-1",
          "name": "server.delete",
          "phase": "finalization",
          "site": "site-a",
          "target": "web-server-1",
          "tier": 2,
          "dependsOn": [
            "prod-web-app/verify/failover"
          ],
          "params": {
            "member": "web-server-1",
            "serverId": "srv-site-a-web-server-1",
            "serverName": "web-server-1",
            "keepVolumes": true
          },
          "description": "retire the stopped web-server-1 on site-a (its volumes are kept)"
        },
        {
          "id": "prod-web-app/server.delete/web-server-2",
          "name": "server.delete",
          "phase": "finalization",
          "site": "site-a",
          "target": "web-server-2",
          "tier": 2,
          "dependsOn": [
            "prod-web-app/verify/failover"
          ],
          "params": {
            "member": "web-server-2",
            "serverId": "srv-site-a-web-server-2",
            "serverName": "web-server-2",
            "keepVolumes": true
          },
          "description": "retire the stopped web-server-2 on site-a (its volumes are kept)"
        },
        {
          "id": "prod-web-app/cgroup.remove-volumes/site-a",
          "name": "cgroup.remove-volumes",
          "phase": "finalization",
          "site": "site-a",
          "dependsOn": [
            "prod-web-app/server.delete/db-server-1",
            "prod-web-app/server.delete/web-server-1",
            "prod-web-app/server.delete/web-server-2"
          ],
          "params": {
            "name": "drctl-prod-web-app",
            "volumeIds": [
              "vol-site-a-db-server-1-boot",
              "vol-site-a-db-server-1-data",
              "vol-site-a-web-server-1-boot",
              "vol-site-a-web-server-2-boot"
            ]
          },
          "description": "take the old volumes out of drctl-prod-web-app on site-a"
        },
        {
          "id": "prod-web-app/volume.unmanage/db-server-1",
          "name": "volume.unmanage",
          "phase": "finalization",
          "site": "site-a",
          "target": "db-server-1",
          "tier": 1,
          "dependsOn": [
            "prod-web-app/cgroup.remove-volumes/site-a"
          ],
          "params": {
            "member": "db-server-1",
            "volumeIds": [
              "vol-site-a-db-server-1-boot",
              "vol-site-a-db-server-1-data"
            ]
          },
          "description": "unmanage db-server-1's old volumes on site-a (data stays on the array)"
        },
        {
          "id": "prod-web-app/volume.unmanage/web-server-1",
          "name": "volume.unmanage",
          "phase": "finalization",
          "site": "site-a",
          "target": "web-server-1",
          "tier": 2,
          "dependsOn": [
            "prod-web-app/cgroup.remove-volumes/site-a"
          ],
          "params": {
            "member": "web-server-1",
            "volumeIds": [
              "vol-site-a-web-server-1-boot"
            ]
          },
          "description": "unmanage web-server-1's old volumes on site-a (data stays on the array)"
        },
        {
          "id": "prod-web-app/volume.unmanage/web-server-2",
          "name": "volume.unmanage",
          "phase": "finalization",
          "site": "site-a",
          "target": "web-server-2",
          "tier": 2,
          "dependsOn": [
            "prod-web-app/cgroup.remove-volumes/site-a"
          ],
          "params": {
            "member": "web-server-2",
            "volumeIds": [
              "vol-site-a-web-server-2-boot"
            ]
          },
          "description": "unmanage web-server-2's old volumes on site-a (data stays on the array)"
        },
        {
          "id": "prod-web-app/record.write/site-b",
          "name": "record.write",
          "phase": "finalization",
          "site": "site-b",
          "dependsOn": [
            "prod-web-app/verify/failover",
            "prod-web-app/failover/server.capture-metadata/db-server-1",
            "prod-web-app/failover/server.capture-metadata/web-server-1",
            "prod-web-app/failover/server.capture-metadata/web-server-2",
            "prod-web-app/storage.remove-unmanaged/site-b",
            "prod-web-app/storage.reverse-replication/site-b",
            "prod-web-app/volume.unmanage/db-server-1",
            "prod-web-app/volume.unmanage/web-server-1",
            "prod-web-app/volume.unmanage/web-server-2"
          ],
          "params": {
            "record": {
              "version": 4,
              "activeSite": "site-b",
              "status": "failed_over",
              "failoverCount": 1,
              "lastOperation": "op-20250601T120000Z-1"
            }
          },
          "description": "write group record v4 on site-b: active on site-b, failed_over"
        },
        {
          "id": "prod-web-app/record.write/site-a",
          "name": "record.write",
          "phase": "finalization",
          "site": "site-a",
          "dependsOn": [
            "prod-web-app/verify/failover",
            "prod-web-app/failover/server.capture-metadata/db-server-1",
            "prod-web-app/failover/server.capture-metadata/web-server-1",
            "prod-web-app/failover/server.capture-metadata/web-server-2",
            "prod-web-app/storage.remove-unmanaged/site-b",
            "prod-web-app/storage.reverse-replication/site-b",
            "prod-web-app/volume.unmanage/db-server-1",
            "prod-web-app/volume.unmanage/web-server-1",
            "prod-web-app/volume.unmanage/web-server-2"
          ],
          "params": {
            "record": {
              "version": 4,
              "activeSite": "site-b",
              "status": "failed_over",
              "failoverCount": 1,
              "lastOperation": "op-20250601T120000Z-1"
            }
          },
          "description": "write group record v4 on site-a: active on site-b, failed_over"
        },
        {
          "id": "prod-web-app/operation.close/failover",
          "name": "operation.close",
          "phase": "finalization",
          "target": "failover",
          "dependsOn": [
            "prod-web-app/record.write/site-b",
            "prod-web-app/record.write/site-a"
          ],
          "params": {
            "operationId": "op-20250601T120000Z-1"
          },
          "description": "close operation op-20250601T120000Z-1"
        }
      ]
    },
    {
      "group": "prod-pay",
      "action": "drill",
      "to": "site-b",
      "from": "site-a",
      "operationId": "op-20250601T120000Z-2",
      "vms": 2,
      "storage": "clone pod-prod-pay on site-b",
      "summary": "drill on site-b · 2 VM copies on drill networks · clone pod-prod-pay (sync replication) · production on site-a untouched",
      "steps": [
        {
          "id": "prod-pay/preflight/drill",
          "name": "preflight",
          "phase": "preparation",
          "site": "site-b",
          "target": "drill",
          "dependsOn": [],
          "params": {
            "action": "drill",
            "site": "site-b",
            "production": "site-a",
            "needs": [
              "site-b"
            ]
          },
          "description": "check site-b again (reachable, drill networks, no drill already up); site-a is not touched"
        },
        {
          "id": "prod-pay/operation.open/drill",
          "name": "operation.open",
          "phase": "preparation",
          "target": "drill",
          "dependsOn": [
            "prod-pay/preflight/drill"
          ],
          "params": {
            "operationId": "op-20250601T120000Z-2",
            "type": "drill",
            "to": "site-b"
          },
          "description": "open operation op-20250601T120000Z-2 (drill on site-b) in the journal"
        },
        {
          "id": "prod-pay/storage.clone-for-drill/site-b",
          "name": "storage.clone-for-drill",
          "phase": "storage",
          "site": "site-b",
          "dependsOn": [
            "prod-pay/operation.open/drill"
          ],
          "params": {
            "storageObject": "pod-prod-pay",
            "driver": "pure",
            "replication": "sync",
            "tag": "op-20250601T120000Z-2",
            "snapshot": "latest",
            "volumes": [
              "volume-vol-site-a-pay-1-boot-cinder",
              "volume-vol-site-a-pay-2-boot-cinder"
            ]
          },
          "description": "clone the latest replicated snapshot of pod-prod-pay on site-b into drill volumes (tag op-20250601T120000Z-2)"
        },
        {
          "id": "prod-pay/volume.import/drill-prod-pay-pay-1",
          "name": "volume.import",
          "phase": "storage",
          "site": "site-b",
          "target": "drill-prod-pay-pay-1",
          "tier": 1,
          "dependsOn": [
            "prod-pay/storage.clone-for-drill/site-b"
          ],
          "params": {
            "member": "pay-1",
            "role": "drill",
            "volumeType": "replicated-sync",
            "volumes": [
              {
                "sourceVolumeId": "vol-site-a-pay-1-boot",
                "name": "pay-1-boot",
                "size": 20,
                "bootable": true,
                "volumeType": "replicated-sync",
                "arrayVolume": "volume-vol-site-a-pay-1-boot-cinder"
              }
            ],
            "namePrefix": "drill-prod-pay-pay-1",
            "tags": {
              "drctl.group": "prod-pay",
              "drctl.member": "pay-1",
              "drctl.role": "drill",
              "drctl.op": "op-20250601T120000Z-2",
              "drctl.tier": "1"
            }
          },
          "description": "import the drill copies of pay-1's 1 volume(s) on site-b"
        },
        {
          "id": "prod-pay/volume.import/drill-prod-pay-pay-2",
          "name": "volume.import",
          "phase": "storage",
          "site": "site-b",
          "target": "drill-prod-pay-pay-2",
          "tier": 1,
          "dependsOn": [
            "prod-pay/storage.clone-for-drill/site-b"
          ],
          "params": {
            "member": "pay-2",
            "role": "drill",
            "volumeType": "replicated-sync",
            "volumes": [
              {
                "sourceVolumeId": "vol-site-a-pay-2-boot",
                "name": "pay-2-boot",
                "size": 20,
                "bootable": true,
                "volumeType": "replicated-sync",
                "arrayVolume": "volume-vol-site-a-pay-2-boot-cinder"
              }
            ],
            "namePrefix": "drill-prod-pay-pay-2",
            "tags": {
              "drctl.group": "prod-pay",
              "drctl.member": "pay-2",
              "drctl.role": "drill",
              "drctl.op": "op-20250601T120000Z-2",
              "drctl.tier": "1"
            }
          },
          "description": "import the drill copies of pay-2's 1 volume(s) on site-b"
        },
        {
          "id": "prod-pay/server.create/drill-prod-pay-pay-1",
          "name": "server.create",
          "phase": "instances",
          "site": "site-b",
          "target": "drill-prod-pay-pay-1",
          "tier": 1,
          "dependsOn": [
            "prod-pay/volume.import/drill-prod-pay-pay-1"
          ],
          "params": {
            "member": "pay-1",
            "tier": 1,
            "name": "drill-prod-pay-pay-1",
            "flavor": "m1.large",
            "networks": [
              "net-drill-web"
            ],
            "securityGroups": [
              "default",
              "web"
            ],
            "keyName": "ops-key",
            "volumes": [
              {
                "sourceVolumeId": "vol-site-a-pay-1-boot",
                "name": "pay-1-boot",
                "size": 20,
                "bootable": true,
                "volumeType": "replicated-sync",
                "arrayVolume": "volume-vol-site-a-pay-1-boot-cinder"
              }
            ],
            "tags": {
              "drctl.group": "prod-pay",
              "drctl.member": "pay-1",
              "drctl.role": "drill",
              "drctl.op": "op-20250601T120000Z-2",
              "drctl.tier": "1"
            },
            "metadataSource": "live"
          },
          "description": "create drill copy drill-prod-pay-pay-1 on site-b (tier 1, isolated: net-drill-web)"
        },
        {
          "id": "prod-pay/server.create/drill-prod-pay-pay-2",
          "name": "server.create",
          "phase": "instances",
          "site": "site-b",
          "target": "drill-prod-pay-pay-2",
          "tier": 1,
          "dependsOn": [
            "prod-pay/volume.import/drill-prod-pay-pay-2"
          ],
          "params": {
            "member": "pay-2",
            "tier": 1,
            "name": "drill-prod-pay-pay-2",
            "flavor": "m1.large",
            "networks": [
              "net-drill-web"
            ],
            "securityGroups": [
              "default",
              "web"
            ],
            "keyName": "ops-key",
            "volumes": [
              {
                "sourceVolumeId": "vol-site-a-pay-2-boot",
                "name": "pay-2-boot",
                "size": 20,
                "bootable": true,
                "volumeType": "replicated-sync",
                "arrayVolume": "volume-vol-site-a-pay-2-boot-cinder"
              }
            ],
            "tags": {
              "drctl.group": "prod-pay",
              "drctl.member": "pay-2",
              "drctl.role": "drill",
              "drctl.op": "op-20250601T120000Z-2",
              "drctl.tier": "1"
            },
            "metadataSource": "live"
          },
          "description": "create drill copy drill-prod-pay-pay-2 on site-b (tier 1, isolated: net-drill-web)"
        },
        {
          "id": "prod-pay/server.wait-active/drill-tier-1",
          "name": "server.wait-active",
          "phase": "instances",
          "site": "site-b",
          "target": "drill-tier-1",
          "tier": 1,
          "dependsOn": [
            "prod-pay/server.create/drill-prod-pay-pay-1",
            "prod-pay/server.create/drill-prod-pay-pay-2"
          ],
          "params": {
            "tier": 1,
            "members": [
              {
                "member": "pay-1",
                "name": "drill-prod-pay-pay-1"
              },
              {
                "member": "pay-2",
                "name": "drill-prod-pay-pay-2"
              }
            ]
          },
          "description": "wait until the 2 tier-1 members are ACTIVE on site-b"
        },
        {
          "id": "prod-pay/verify/drill",
          "name": "verify",
          "phase": "finalization",
          "site": "site-b",
          "target": "drill",
          "dependsOn": [
            "prod-pay/server.wait-active/drill-tier-1"
          ],
          "params": {
            "members": [
              "drill-prod-pay-pay-1",
              "drill-prod-pay-pay-2"
            ],
            "expectStatus": "ACTIVE",
            "site": "site-b"
          },
          "description": "verify the 2 drill copies are ACTIVE on site-b"
        },
        {
          "id": "prod-pay/operation.close/drill",
          "name": "operation.close",
          "phase": "finalization",
          "target": "drill",
          "dependsOn": [
            "prod-pay/verify/drill"
          ],
          "params": {
            "operationId": "op-20250601T120000Z-2"
          },
          "description": "close operation op-20250601T120000Z-2 (the drill stays up until drill: false)"
        }
      ]
    }
  ],
  "blockers": [
    {
      "group": "prod-batch",
      "code": "DRCTL_E3005",
      "message": "flavor m9.huge (mapped from m1.large) of batch-1 does not exist on site-b",
      "hint": "create flavor m9.huge on site-b, or map m1.large in mappings.flavors",
      "action": "failover",
      "site": "site-b"
    }
  ],
  "drift": [
    {
      "group": "prod-pay",
      "site": "site-a",
      "kind": "stopped-outside-drctl",
      "message": "pay-2 is SHUTOFF on site-a, where prod-pay runs (changed outside drctl; drctl does not start it)"
    }
  ],
  "warnings": [],
  "summary": {
    "groups": 3,
    "actions": 2,
    "steps": 50,
    "blocked": 1,
    "changes": true,
    "byAction": {
      "failover": 1,
      "drill": 1
    }
  },
  "bindings": {
    "specDigest": "f00dfeedf00dfeedf00dfeedf00dfeedf00dfeedf00dfeedf00dfeedf00dfeed",
    "stateLineage": "lin-1",
    "stateSerial": 7,
    "factsDigest": "3dbf065fde11f1132899a3023c6b420d8146e18f16235b8c8a78f3121d971279",
    "facts": {
      "sites": {
        "site-a": {
          "reachable": true
        },
        "site-b": {
          "reachable": true
        }
      },
      "groups": {
        "prod-batch": {
          "arrays": {
            "site-a": {
              "reachable": true,
              "exists": true,
              "role": "source"
            },
            "site-b": {
              "reachable": true,
              "exists": true,
              "role": "target"
            }
          },
          "splitBrain": false,
          "servers": {
            "batch-1": {
              "site-a": "srv-site-a-batch-1:ACTIVE",
              "site-b": null
            }
          },
          "records": {
            "site-a": "v3:site-a",
            "site-b": "v3:site-a"
          },
          "drills": {
            "site-a": [],
            "site-b": []
          },
          "strays": {
            "site-a": [],
            "site-b": []
          },
          "withinRpo": true
        },
        "prod-pay": {
          "arrays": {
            "site-a": {
              "reachable": true,
              "exists": true,
              "role": "source"
            },
            "site-b": {
              "reachable": true,
              "exists": true,
              "role": "target"
            }
          },
          "splitBrain": false,
          "servers": {
            "pay-1": {
              "site-a": "srv-site-a-pay-1:ACTIVE",
              "site-b": null
            },
            "pay-2": {
              "site-a": "srv-site-a-pay-2:SHUTOFF",
              "site-b": null
            }
          },
          "records": {
            "site-a": "v3:site-a",
            "site-b": "v3:site-a"
          },
          "drills": {
            "site-a": [],
            "site-b": []
          },
          "strays": {
            "site-a": [],
            "site-b": []
          }
        },
        "prod-web-app": {
          "arrays": {
            "site-a": {
              "reachable": true,
              "exists": true,
              "role": "source"
            },
            "site-b": {
              "reachable": true,
              "exists": true,
              "role": "target"
            }
          },
          "splitBrain": false,
          "servers": {
            "db-server-1": {
              "site-a": "srv-site-a-db-server-1:ACTIVE",
              "site-b": null
            },
            "web-server-1": {
              "site-a": "srv-site-a-web-server-1:ACTIVE",
              "site-b": null
            },
            "web-server-2": {
              "site-a": "srv-site-a-web-server-2:ACTIVE",
              "site-b": null
            }
          },
          "records": {
            "site-a": "v3:site-a",
            "site-b": "v3:site-a"
          },
          "drills": {
            "site-a": [],
            "site-b": []
          },
          "strays": {
            "site-a": [],
            "site-b": []
          },
          "withinRpo": true
        }
      }
    },
    "createdAt": "2025-06-01T12:00:00.000Z",
    "expiresAt": "2025-06-01T13:00:00.000Z"
  }
}

`

exports[`test/plan/render.test.ts > TAP > markdown rendering > showcase markdown 1`] = `
### drctl plan: \`prod\`

**Plan: 1 failover, 1 drill; 50 steps; 1 group blocked.** Spec digest \`f00dfeedf00d\` · planned 2025-06-01T12:00:00.000Z · valid until 2025-06-01T13:00:00.000Z

| group | action | where | VMs | data at risk | status |
|---|---|---|---:|---|---|
| prod-web-app | failover (planned) | site-a → site-b | 3 | none (last sync 42s ago) | 📝 changes |
| prod-pay | drill | site-a → site-b | 2 | — | 📝 changes |
| prod-batch | failover (blocked) | site-a |  | — | ⛔ blocked (\`DRCTL_E3005\`) |

**Blocked** (nothing of a blocked group is planned):
- ⛔ **prod-batch** \`DRCTL_E3005\` flavor m9.huge (mapped from m1.large) of batch-1 does not exist on site-b — *way out:* create flavor m9.huge on site-b, or map m1.large in mappings.flavors

**Drift** (changed outside drctl):
- **prod-pay** on site-a: pay-2 is SHUTOFF on site-a, where prod-pay runs (changed outside drctl; drctl does not start it)

Steps (+ create  - destroy  ~ change  ! storage role change  > start/stop  · check/wait):

<details>
<summary><b>prod-web-app</b>: failover site-a → site-b (planned) · 3 VMs · promote pg-prod-web-app on site-b · data at risk: none (last sync 42s ago) (40 steps)</summary>

\`\`\`diff
# preparation
· check site-a and site-b again (reachability, record versions, replication) before touching anything
· open operation op-20250601T120000Z-1 (failover site-a → site-b) in the journal
· record db-server-1's flavor, networks, security groups and volumes in the journal
· record web-server-1's flavor, networks, security groups and volumes in the journal
· record web-server-2's flavor, networks, security groups and volumes in the journal
> stop web-server-1 on site-a (tier 2)
> stop web-server-2 on site-a (tier 2)
· wait until the 2 tier-2 members are SHUTOFF on site-a
> stop db-server-1 on site-a (tier 1)
· wait until the tier-1 member is SHUTOFF on site-a
# storage
~ final sync: snapshot pg-prod-web-app on site-a and replicate it to site-b now
· wait until the final snapshot has fully arrived on site-b
! demote pg-prod-web-app on site-a (stop replicating out of the old source)
! promote pg-prod-web-app on site-b: new volumes from the final replicated snapshot
+ ensure consistency group drctl-prod-web-app on site-b
+ import 2 volume(s) of db-server-1 into Cinder on site-b (manage)
+ import 1 volume(s) of web-server-1 into Cinder on site-b (manage)
+ import 1 volume(s) of web-server-2 into Cinder on site-b (manage)
~ add the imported volumes to drctl-prod-web-app on site-b
# instances
+ create db-server-1 on site-b (tier 1, m2.large, net-secondary-db)
· wait until the tier-1 member is ACTIVE on site-b
+ create web-server-1 on site-b (tier 2, m2.large, net-secondary-web)
+ create web-server-2 on site-b (tier 2, m2.large, net-secondary-web)
· wait until the 2 tier-2 members are ACTIVE on site-b
# finalization
· verify all 3 member(s) ACTIVE on site-b with their volumes attached
· record db-server-1's flavor, networks, security groups and volumes on site-b in the journal
· record web-server-1's flavor, networks, security groups and volumes on site-b in the journal
· record web-server-2's flavor, networks, security groups and volumes on site-b in the journal
- destroy prod-web-app's old *-cinder-unmanaged volumes on site-b's array (superseded; recoverable until the array's eradication delay)
! reverse replication: site-b → site-a
- retire the stopped db-server-1 on site-a (its volumes are kept)
- retire the stopped web-server-1 on site-a (its volumes are kept)
- retire the stopped web-server-2 on site-a (its volumes are kept)
~ take the old volumes out of drctl-prod-web-app on site-a
- unmanage db-server-1's old volumes on site-a (data stays on the array)
- unmanage web-server-1's old volumes on site-a (data stays on the array)
- unmanage web-server-2's old volumes on site-a (data stays on the array)
~ write group record v4 on site-b: active on site-b, failed_over
~ write group record v4 on site-a: active on site-b, failed_over
· close operation op-20250601T120000Z-1
\`\`\`

</details>

<details>
<summary><b>prod-pay</b>: drill on site-b · 2 VM copies on drill networks · clone pod-prod-pay (sync replication) · production on site-a untouched (10 steps)</summary>

\`\`\`diff
# preparation
· check site-b again (reachable, drill networks, no drill already up); site-a is not touched
· open operation op-20250601T120000Z-2 (drill on site-b) in the journal
# storage
+ clone the latest replicated snapshot of pod-prod-pay on site-b into drill volumes (tag op-20250601T120000Z-2)
+ import the drill copies of pay-1's 1 volume(s) on site-b
+ import the drill copies of pay-2's 1 volume(s) on site-b
# instances
+ create drill copy drill-prod-pay-pay-1 on site-b (tier 1, isolated: net-drill-web)
+ create drill copy drill-prod-pay-pay-2 on site-b (tier 1, isolated: net-drill-web)
· wait until the 2 tier-1 members are ACTIVE on site-b
# finalization
· verify the 2 drill copies are ACTIVE on site-b
· close operation op-20250601T120000Z-2 (the drill stays up until drill: false)
\`\`\`

</details>


`

exports[`test/plan/render.test.ts > TAP > text rendering > showcase, no colour 1`] = `
drctl plan · spec prod (examples/prod.yaml) · 2025-06-01T12:00:00.000Z

prod-web-app: failover site-a → site-b (planned) · 3 VMs · promote pg-prod-web-app on site-b · data at risk: none (last sync 42s ago)
prod-pay: drill on site-b · 2 VM copies on drill networks · clone pod-prod-pay (sync replication) · production on site-a untouched
prod-batch: BLOCKED · failover site-a → site-b wanted · 1 blocker (DRCTL_E3005)

Symbols: + create  - destroy  ~ change  ! storage role change  > start/stop  · check/wait

prod-web-app — failover site-a → site-b (planned) · operation op-20250601T120000Z-1 · 40 steps
  preparation
    · check site-a and site-b again (reachability, record versions, replication) before touching anything
    · open operation op-20250601T120000Z-1 (failover site-a → site-b) in the journal
    · record db-server-1's flavor, networks, security groups and volumes in the journal
    · record web-server-1's flavor, networks, security groups and volumes in the journal
    · record web-server-2's flavor, networks, security groups and volumes in the journal
    tier 2
      > stop web-server-1 on site-a (tier 2)
      > stop web-server-2 on site-a (tier 2)
    · wait until the 2 tier-2 members are SHUTOFF on site-a
    tier 1
      > stop db-server-1 on site-a (tier 1)
    · wait until the tier-1 member is SHUTOFF on site-a
  storage
    ~ final sync: snapshot pg-prod-web-app on site-a and replicate it to site-b now
    · wait until the final snapshot has fully arrived on site-b
    ! demote pg-prod-web-app on site-a (stop replicating out of the old source)
    ! promote pg-prod-web-app on site-b: new volumes from the final replicated snapshot
    + ensure consistency group drctl-prod-web-app on site-b
    + import 2 volume(s) of db-server-1 into Cinder on site-b (manage)
    + import 1 volume(s) of web-server-1 into Cinder on site-b (manage)
    + import 1 volume(s) of web-server-2 into Cinder on site-b (manage)
    ~ add the imported volumes to drctl-prod-web-app on site-b
  instances
    tier 1
      + create db-server-1 on site-b (tier 1, m2.large, net-secondary-db)
      · wait until the tier-1 member is ACTIVE on site-b
    tier 2
      + create web-server-1 on site-b (tier 2, m2.large, net-secondary-web)
      + create web-server-2 on site-b (tier 2, m2.large, net-secondary-web)
      · wait until the 2 tier-2 members are ACTIVE on site-b
  finalization
    · verify all 3 member(s) ACTIVE on site-b with their volumes attached
    · record db-server-1's flavor, networks, security groups and volumes on site-b in the journal
    · record web-server-1's flavor, networks, security groups and volumes on site-b in the journal
    · record web-server-2's flavor, networks, security groups and volumes on site-b in the journal
    - destroy prod-web-app's old *-cinder-unmanaged volumes on site-b's array (superseded; recoverable until the array's eradication delay)
    ! reverse replication: site-b → site-a
    - retire the stopped db-server-1 on site-a (its volumes are kept)
    - retire the stopped web-server-1 on site-a (its volumes are kept)
    - retire the stopped web-server-2 on site-a (its volumes are kept)
    ~ take the old volumes out of drctl-prod-web-app on site-a
    - unmanage db-server-1's old volumes on site-a (data stays on the array)
    - unmanage web-server-1's old volumes on site-a (data stays on the array)
    - unmanage web-server-2's old volumes on site-a (data stays on the array)
    ~ write group record v4 on site-b: active on site-b, failed_over
    ~ write group record v4 on site-a: active on site-b, failed_over
    · close operation op-20250601T120000Z-1

prod-pay — drill on site-b · operation op-20250601T120000Z-2 · 10 steps
  preparation
    · check site-b again (reachable, drill networks, no drill already up); site-a is not touched
    · open operation op-20250601T120000Z-2 (drill on site-b) in the journal
  storage
    + clone the latest replicated snapshot of pod-prod-pay on site-b into drill volumes (tag op-20250601T120000Z-2)
    + import the drill copies of pay-1's 1 volume(s) on site-b
    + import the drill copies of pay-2's 1 volume(s) on site-b
  instances
    tier 1
      + create drill copy drill-prod-pay-pay-1 on site-b (tier 1, isolated: net-drill-web)
      + create drill copy drill-prod-pay-pay-2 on site-b (tier 1, isolated: net-drill-web)
      · wait until the 2 tier-1 members are ACTIVE on site-b
  finalization
    · verify the 2 drill copies are ACTIVE on site-b
    · close operation op-20250601T120000Z-2 (the drill stays up until drill: false)

Blocked (1 group; nothing of a blocked group is planned):
  ✗ prod-batch: flavor m9.huge (mapped from m1.large) of batch-1 does not exist on site-b [DRCTL_E3005]
      way out: create flavor m9.huge on site-b, or map m1.large in mappings.flavors

Drift (the world changed outside drctl):
  ~ prod-pay on site-a: pay-2 is SHUTOFF on site-a, where prod-pay runs (changed outside drctl; drctl does not start it)

Plan: 1 failover, 1 drill; 50 steps; 1 group blocked.

`

exports[`test/plan/render.test.ts > TAP > text rendering > unplanned failover 1`] = `
drctl plan · spec prod · 2025-06-01T12:00:00.000Z

prod-web-app: failover site-a → site-b (unplanned) · 3 VMs · force-promote pg-prod-web-app on site-b · data at risk: up to 7m12s (last sync 2025-06-01T11:52:48.000Z)

Symbols: + create  - destroy  ~ change  ! storage role change  > start/stop  · check/wait

prod-web-app — failover site-a → site-b (unplanned) · operation op-20250601T120000Z-1 · 20 steps
  preparation
    · check site-b again; site-a is unreachable: unplanned failover
    · open operation op-20250601T120000Z-1 (failover site-a → site-b) in the journal
  storage
    ! force-promote pg-prod-web-app on site-b from the last replicated point (2025-06-01T11:52:48.000Z)
    + ensure consistency group drctl-prod-web-app on site-b
    + import 2 volume(s) of db-server-1 into Cinder on site-b (manage)
    + import 1 volume(s) of web-server-1 into Cinder on site-b (manage)
    + import 1 volume(s) of web-server-2 into Cinder on site-b (manage)
    ~ add the imported volumes to drctl-prod-web-app on site-b
  instances
    tier 1
      + create db-server-1 on site-b (tier 1, m2.large, net-secondary-db)
      · wait until the tier-1 member is ACTIVE on site-b
    tier 2
      + create web-server-1 on site-b (tier 2, m2.large, net-secondary-web)
      + create web-server-2 on site-b (tier 2, m2.large, net-secondary-web)
      · wait until the 2 tier-2 members are ACTIVE on site-b
  finalization
    · verify all 3 member(s) ACTIVE on site-b with their volumes attached
    · record db-server-1's flavor, networks, security groups and volumes on site-b in the journal
    · record web-server-1's flavor, networks, security groups and volumes on site-b in the journal
    · record web-server-2's flavor, networks, security groups and volumes on site-b in the journal
    - destroy prod-web-app's old *-cinder-unmanaged volumes on site-b's array (superseded; recoverable until the array's eradication delay)
    ~ write group record v4 on site-b: active on site-b, failed_over, site-a to be fenced
    · close operation op-20250601T120000Z-1

Warnings:
  - prod-web-app: unplanned failover: site-a must be fenced when it comes back (the next plan does it before anything else)

Plan: 1 failover; 20 steps.

`
