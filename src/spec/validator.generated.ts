// @ts-nocheck
/* eslint-disable */
// GENERATED from schemas/drspec.schema.json by src/spec/standalone.ts. Do not edit.
// Regenerate: DRCTL_UPDATE_GENERATED=1 npx tap test/spec/standalone.test.ts
import runtime_ucs2length from 'ajv/dist/runtime/ucs2length.js';

export const validate = validate10;
export default validate10;
const schema11 = {"$schema":"http://json-schema.org/draft-07/schema#","$id":"https://drctl.dev/schemas/drspec.schema.json","title":"drctl DR spec (apiVersion drctl/v1)","description":"Declarative disaster recovery for OpenStack workloads: two sites, their storage arrays, and the protection groups that fail over between them. Validate with `drctl validate SPEC`.","type":"object","additionalProperties":false,"required":["apiVersion","kind","metadata","sites","groups"],"properties":{"apiVersion":{"description":"Version of the spec format. Always `drctl/v1`.","const":"drctl/v1"},"kind":{"description":"Kind of document. Always `DRSpec`.","const":"DRSpec"},"metadata":{"description":"Identifies this spec; the name is recorded in plans and the state file.","type":"object","additionalProperties":false,"required":["name"],"properties":{"name":{"description":"Name of this spec (letters, digits, `.`, `_`, `-`).","$ref":"#/definitions/resourceName"}}},"sites":{"description":"Exactly two sites, keyed by site name. A site is one OpenStack cloud plus its storage array.","type":"object","minProperties":2,"maxProperties":2,"propertyNames":{"$ref":"#/definitions/resourceName"},"additionalProperties":{"$ref":"#/definitions/site"}},"groups":{"description":"Protection groups, keyed by group name. A group is a set of servers that fail over together.","type":"object","minProperties":1,"propertyNames":{"$ref":"#/definitions/resourceName"},"additionalProperties":{"$ref":"#/definitions/group"}}},"definitions":{"resourceName":{"description":"A name safe inside OpenStack and array resource names: letters, digits, `.`, `_`, `-`.","type":"string","minLength":1,"maxLength":63,"pattern":"^[A-Za-z0-9._-]+$"},"nonEmptyString":{"type":"string","minLength":1},"secretRef":{"description":"A secret is never written in the spec: give `{ env: NAME }` (an environment variable) or `{ file: PATH }` (a file holding it).","oneOf":[{"type":"object","additionalProperties":false,"required":["env"],"properties":{"env":{"description":"Name of the environment variable holding the secret.","type":"string","pattern":"^[A-Za-z_][A-Za-z0-9_]*$"}}},{"type":"object","additionalProperties":false,"required":["file"],"properties":{"file":{"description":"Path of the file holding the secret (relative paths are relative to the working directory).","type":"string","minLength":1}}}]},"site":{"description":"One OpenStack cloud and its storage array.","type":"object","additionalProperties":false,"required":["cloud","storage"],"properties":{"cloud":{"description":"clouds.yaml entry used for everything a project member may do (OS_CLIENT_CONFIG_FILE is honoured).","$ref":"#/definitions/nonEmptyString"},"adminCloud":{"description":"Optional clouds.yaml entry for privileged calls (Cinder volume manage/unmanage are admin-only by default).","$ref":"#/definitions/nonEmptyString"},"storage":{"$ref":"#/definitions/storage"}}},"storage":{"description":"The site's storage array: `driver: pure` (FlashArray REST 2.x) or `driver: ceph` (RBD mirroring). Both sites use the same driver.","type":"object","required":["driver"],"properties":{"driver":{"description":"Storage driver: `pure` or `ceph`.","enum":["pure","ceph"]}},"if":{"properties":{"driver":{"const":"ceph"}},"required":["driver"]},"then":{"$ref":"#/definitions/cephStorage"},"else":{"if":{"properties":{"driver":{"const":"pure"}},"required":["driver"]},"then":{"$ref":"#/definitions/pureStorage"}}},"pureStorage":{"type":"object","additionalProperties":false,"required":["driver","endpoint","apiToken"],"properties":{"driver":{"description":"Pure Storage FlashArray.","const":"pure"},"endpoint":{"description":"Array management URL (REST 2.x), e.g. https://fa-a.example.com.","type":"string","pattern":"^https?://[^\\s]+$"},"apiToken":{"description":"Array API token, as `{ env: NAME }` or `{ file: PATH }`; never written literally.","$ref":"#/definitions/secretRef"},"insecure":{"description":"Accept a self-signed array certificate (drctl warns at run time). Default false.","type":"boolean"},"caFile":{"description":"PEM CA bundle used to verify the array's certificate.","$ref":"#/definitions/nonEmptyString"}}},"cephStorage":{"type":"object","additionalProperties":false,"required":["driver","pool"],"anyOf":[{"required":["cluster"]},{"required":["conf"]}],"properties":{"driver":{"description":"Ceph RBD mirroring.","const":"ceph"},"cluster":{"description":"Ceph cluster name (`rbd --cluster NAME`, reads /etc/ceph/NAME.conf). Give this or `conf`.","$ref":"#/definitions/nonEmptyString"},"conf":{"description":"Path to the cluster's ceph.conf (`rbd --conf PATH`). Give this or `cluster`.","$ref":"#/definitions/nonEmptyString"},"pool":{"description":"RBD pool holding the mirrored images (Cinder's rbd_pool).","$ref":"#/definitions/nonEmptyString"},"client":{"description":"Ceph client id (`rbd --id ID`). Default `admin`.","$ref":"#/definitions/nonEmptyString"},"keyring":{"description":"Keyring of the client, as `{ file: PATH }` (or `{ env: NAME }`); never written literally. Default: Ceph's own keyring search path.","$ref":"#/definitions/secretRef"}}},"group":{"description":"A protection group: servers that fail over together, with one consistency group and one array protection group (async) or pod (sync).","type":"object","additionalProperties":false,"required":["primarySite","secondarySite","activeSite","replication","members"],"properties":{"description":{"description":"Free text shown in plans and reports.","type":"string"},"primarySite":{"description":"Home site of the group (where it runs normally). One of `sites`.","$ref":"#/definitions/nonEmptyString"},"secondarySite":{"description":"DR site of the group. One of `sites`, different from primarySite.","$ref":"#/definitions/nonEmptyString"},"activeSite":{"description":"Desired: where production runs now. Set it to the secondary site to fail over, back to the primary to fail back.","$ref":"#/definitions/nonEmptyString"},"drill":{"description":"Desired: `true` brings a DR drill up on the standby site (production untouched), `false` tears it down. Default false.","type":"boolean"},"replication":{"$ref":"#/definitions/replication"},"failover":{"description":"How failovers of this group run.","type":"object","additionalProperties":false,"properties":{"mode":{"description":"`planned` (default): both sites must be reachable, final sync before promotion. `unplanned`: allowed to fail over with the active site unreachable, accepting the data-loss window shown in the plan.","enum":["planned","unplanned"]},"reverseReplication":{"description":"After a failover or failback, replicate back towards the site just left. Default true.","type":"boolean"}}},"members":{"description":"Servers of the group, at least one. A server belongs to one group only.","type":"array","minItems":1,"items":{"$ref":"#/definitions/member"}},"mappings":{"$ref":"#/definitions/mappings"},"drillNetworks":{"description":"Drill isolation: primary network name -> isolated network on the standby site used by drill copies. Each source must be a mapped network; targets must not be production networks.","$ref":"#/definitions/nameMap"}}},"replication":{"description":"How the group's volumes replicate between the sites.","type":"object","additionalProperties":false,"required":["type","volumeType"],"properties":{"type":{"description":"`async` (array snapshots every intervalSeconds, RPO > 0) or `sync` (pod / mirrored images, RPO 0).","enum":["async","sync"]},"volumeType":{"description":"Cinder volume type of every member volume; replication-enabled on both sites.","$ref":"#/definitions/nonEmptyString"},"arrayGroup":{"description":"Pure protection group name (pure driver, async). Required there.","$ref":"#/definitions/resourceName"},"pod":{"description":"Pure ActiveCluster pod name (pure driver, sync). Required there.","$ref":"#/definitions/resourceName"},"mirrorMode":{"description":"Ceph RBD mirroring mode, `journal` or `snapshot` (ceph driver only).","enum":["journal","snapshot"]},"intervalSeconds":{"description":"async only, required: replication interval in seconds (e.g. 300).","type":"integer","minimum":1},"rpoMinutes":{"description":"async only, required: recovery point objective in minutes; plans are blocked when replication lag exceeds it.","type":"integer","minimum":1}}},"member":{"description":"One server of the group.","type":"object","additionalProperties":false,"required":["server","tier"],"properties":{"server":{"description":"Server name or UUID on the primary site.","$ref":"#/definitions/resourceName"},"tier":{"description":"Boot order, a positive integer: lower tiers boot first and stop last.","type":"integer","minimum":1}}},"nameMap":{"type":"object","propertyNames":{"minLength":1},"additionalProperties":{"$ref":"#/definitions/nonEmptyString"}},"mappings":{"description":"How site-local resources map from the primary site to the secondary site.","type":"object","additionalProperties":false,"properties":{"networks":{"description":"Primary network name -> secondary network name. Every network a member's NIC is on needs an entry.","$ref":"#/definitions/nameMap"},"flavors":{"description":"Primary flavor name -> secondary flavor name. A flavor without an entry keeps its name.","$ref":"#/definitions/nameMap"},"securityGroups":{"description":"Primary security group -> secondary security group. A group without an entry keeps its name.","$ref":"#/definitions/nameMap"},"reverseNetworks":{"description":"Secondary network -> primary network, used for failback when `networks` is not invertible (two sources share a target).","$ref":"#/definitions/nameMap"},"reverseFlavors":{"description":"Secondary flavor -> primary flavor, used for failback when `flavors` is not invertible.","$ref":"#/definitions/nameMap"}}}}};
const schema12 = {"description":"A name safe inside OpenStack and array resource names: letters, digits, `.`, `_`, `-`.","type":"string","minLength":1,"maxLength":63,"pattern":"^[A-Za-z0-9._-]+$"};
const func2 = runtime_ucs2length.default;
const pattern0 = new RegExp("^[A-Za-z0-9._-]+$", "u");
const schema14 = {"description":"One OpenStack cloud and its storage array.","type":"object","additionalProperties":false,"required":["cloud","storage"],"properties":{"cloud":{"description":"clouds.yaml entry used for everything a project member may do (OS_CLIENT_CONFIG_FILE is honoured).","$ref":"#/definitions/nonEmptyString"},"adminCloud":{"description":"Optional clouds.yaml entry for privileged calls (Cinder volume manage/unmanage are admin-only by default).","$ref":"#/definitions/nonEmptyString"},"storage":{"$ref":"#/definitions/storage"}}};
const schema15 = {"type":"string","minLength":1};
const schema17 = {"description":"The site's storage array: `driver: pure` (FlashArray REST 2.x) or `driver: ceph` (RBD mirroring). Both sites use the same driver.","type":"object","required":["driver"],"properties":{"driver":{"description":"Storage driver: `pure` or `ceph`.","enum":["pure","ceph"]}},"if":{"properties":{"driver":{"const":"ceph"}},"required":["driver"]},"then":{"$ref":"#/definitions/cephStorage"},"else":{"if":{"properties":{"driver":{"const":"pure"}},"required":["driver"]},"then":{"$ref":"#/definitions/pureStorage"}}};
const schema18 = {"type":"object","additionalProperties":false,"required":["driver","pool"],"anyOf":[{"required":["cluster"]},{"required":["conf"]}],"properties":{"driver":{"description":"Ceph RBD mirroring.","const":"ceph"},"cluster":{"description":"Ceph cluster name (`rbd --cluster NAME`, reads /etc/ceph/NAME.conf). Give this or `conf`.","$ref":"#/definitions/nonEmptyString"},"conf":{"description":"Path to the cluster's ceph.conf (`rbd --conf PATH`). Give this or `cluster`.","$ref":"#/definitions/nonEmptyString"},"pool":{"description":"RBD pool holding the mirrored images (Cinder's rbd_pool).","$ref":"#/definitions/nonEmptyString"},"client":{"description":"Ceph client id (`rbd --id ID`). Default `admin`.","$ref":"#/definitions/nonEmptyString"},"keyring":{"description":"Keyring of the client, as `{ file: PATH }` (or `{ env: NAME }`); never written literally. Default: Ceph's own keyring search path.","$ref":"#/definitions/secretRef"}}};
const schema23 = {"description":"A secret is never written in the spec: give `{ env: NAME }` (an environment variable) or `{ file: PATH }` (a file holding it).","oneOf":[{"type":"object","additionalProperties":false,"required":["env"],"properties":{"env":{"description":"Name of the environment variable holding the secret.","type":"string","pattern":"^[A-Za-z_][A-Za-z0-9_]*$"}}},{"type":"object","additionalProperties":false,"required":["file"],"properties":{"file":{"description":"Path of the file holding the secret (relative paths are relative to the working directory).","type":"string","minLength":1}}}]};
const pattern2 = new RegExp("^[A-Za-z_][A-Za-z0-9_]*$", "u");

function validate13(data, {instancePath="", parentData, parentDataProperty, rootData=data}={}){
let vErrors = null;
let errors = 0;
const _errs1 = errors;
let valid0 = false;
const _errs2 = errors;
if(data && typeof data == "object" && !Array.isArray(data)){
if(data.cluster === undefined){
const err0 = {instancePath,schemaPath:"#/anyOf/0/required",keyword:"required",params:{missingProperty: "cluster"},message:"must have required property '"+"cluster"+"'",schema:schema18.anyOf[0].required,parentSchema:schema18.anyOf[0],data};
if(vErrors === null){
vErrors = [err0];
}
else {
vErrors.push(err0);
}
errors++;
}
}
var _valid0 = _errs2 === errors;
valid0 = valid0 || _valid0;
if(!valid0){
const _errs3 = errors;
if(data && typeof data == "object" && !Array.isArray(data)){
if(data.conf === undefined){
const err1 = {instancePath,schemaPath:"#/anyOf/1/required",keyword:"required",params:{missingProperty: "conf"},message:"must have required property '"+"conf"+"'",schema:schema18.anyOf[1].required,parentSchema:schema18.anyOf[1],data};
if(vErrors === null){
vErrors = [err1];
}
else {
vErrors.push(err1);
}
errors++;
}
}
var _valid0 = _errs3 === errors;
valid0 = valid0 || _valid0;
}
if(!valid0){
const err2 = {instancePath,schemaPath:"#/anyOf",keyword:"anyOf",params:{},message:"must match a schema in anyOf",schema:schema18.anyOf,parentSchema:schema18,data};
if(vErrors === null){
vErrors = [err2];
}
else {
vErrors.push(err2);
}
errors++;
}
else {
errors = _errs1;
if(vErrors !== null){
if(_errs1){
vErrors.length = _errs1;
}
else {
vErrors = null;
}
}
}
if(data && typeof data == "object" && !Array.isArray(data)){
if(data.driver === undefined){
const err3 = {instancePath,schemaPath:"#/required",keyword:"required",params:{missingProperty: "driver"},message:"must have required property '"+"driver"+"'",schema:schema18.required,parentSchema:schema18,data};
if(vErrors === null){
vErrors = [err3];
}
else {
vErrors.push(err3);
}
errors++;
}
if(data.pool === undefined){
const err4 = {instancePath,schemaPath:"#/required",keyword:"required",params:{missingProperty: "pool"},message:"must have required property '"+"pool"+"'",schema:schema18.required,parentSchema:schema18,data};
if(vErrors === null){
vErrors = [err4];
}
else {
vErrors.push(err4);
}
errors++;
}
for(const key0 in data){
if(!((((((key0 === "driver") || (key0 === "cluster")) || (key0 === "conf")) || (key0 === "pool")) || (key0 === "client")) || (key0 === "keyring"))){
const err5 = {instancePath,schemaPath:"#/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key0},message:"must NOT have additional properties",schema:false,parentSchema:schema18,data};
if(vErrors === null){
vErrors = [err5];
}
else {
vErrors.push(err5);
}
errors++;
}
}
if(data.driver !== undefined){
let data0 = data.driver;
if("ceph" !== data0){
const err6 = {instancePath:instancePath+"/driver",schemaPath:"#/properties/driver/const",keyword:"const",params:{allowedValue: "ceph"},message:"must be equal to constant",schema:"ceph",parentSchema:schema18.properties.driver,data:data0};
if(vErrors === null){
vErrors = [err6];
}
else {
vErrors.push(err6);
}
errors++;
}
}
if(data.cluster !== undefined){
let data1 = data.cluster;
if(typeof data1 === "string"){
if(func2(data1) < 1){
const err7 = {instancePath:instancePath+"/cluster",schemaPath:"#/definitions/nonEmptyString/minLength",keyword:"minLength",params:{limit: 1},message:"must NOT have fewer than 1 characters",schema:1,parentSchema:schema15,data:data1};
if(vErrors === null){
vErrors = [err7];
}
else {
vErrors.push(err7);
}
errors++;
}
}
else {
const err8 = {instancePath:instancePath+"/cluster",schemaPath:"#/definitions/nonEmptyString/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema15.type,parentSchema:schema15,data:data1};
if(vErrors === null){
vErrors = [err8];
}
else {
vErrors.push(err8);
}
errors++;
}
}
if(data.conf !== undefined){
let data2 = data.conf;
if(typeof data2 === "string"){
if(func2(data2) < 1){
const err9 = {instancePath:instancePath+"/conf",schemaPath:"#/definitions/nonEmptyString/minLength",keyword:"minLength",params:{limit: 1},message:"must NOT have fewer than 1 characters",schema:1,parentSchema:schema15,data:data2};
if(vErrors === null){
vErrors = [err9];
}
else {
vErrors.push(err9);
}
errors++;
}
}
else {
const err10 = {instancePath:instancePath+"/conf",schemaPath:"#/definitions/nonEmptyString/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema15.type,parentSchema:schema15,data:data2};
if(vErrors === null){
vErrors = [err10];
}
else {
vErrors.push(err10);
}
errors++;
}
}
if(data.pool !== undefined){
let data3 = data.pool;
if(typeof data3 === "string"){
if(func2(data3) < 1){
const err11 = {instancePath:instancePath+"/pool",schemaPath:"#/definitions/nonEmptyString/minLength",keyword:"minLength",params:{limit: 1},message:"must NOT have fewer than 1 characters",schema:1,parentSchema:schema15,data:data3};
if(vErrors === null){
vErrors = [err11];
}
else {
vErrors.push(err11);
}
errors++;
}
}
else {
const err12 = {instancePath:instancePath+"/pool",schemaPath:"#/definitions/nonEmptyString/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema15.type,parentSchema:schema15,data:data3};
if(vErrors === null){
vErrors = [err12];
}
else {
vErrors.push(err12);
}
errors++;
}
}
if(data.client !== undefined){
let data4 = data.client;
if(typeof data4 === "string"){
if(func2(data4) < 1){
const err13 = {instancePath:instancePath+"/client",schemaPath:"#/definitions/nonEmptyString/minLength",keyword:"minLength",params:{limit: 1},message:"must NOT have fewer than 1 characters",schema:1,parentSchema:schema15,data:data4};
if(vErrors === null){
vErrors = [err13];
}
else {
vErrors.push(err13);
}
errors++;
}
}
else {
const err14 = {instancePath:instancePath+"/client",schemaPath:"#/definitions/nonEmptyString/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema15.type,parentSchema:schema15,data:data4};
if(vErrors === null){
vErrors = [err14];
}
else {
vErrors.push(err14);
}
errors++;
}
}
if(data.keyring !== undefined){
let data5 = data.keyring;
const _errs20 = errors;
let valid7 = false;
let passing0 = null;
const _errs21 = errors;
if(data5 && typeof data5 == "object" && !Array.isArray(data5)){
if(data5.env === undefined){
const err15 = {instancePath:instancePath+"/keyring",schemaPath:"#/definitions/secretRef/oneOf/0/required",keyword:"required",params:{missingProperty: "env"},message:"must have required property '"+"env"+"'",schema:schema23.oneOf[0].required,parentSchema:schema23.oneOf[0],data:data5};
if(vErrors === null){
vErrors = [err15];
}
else {
vErrors.push(err15);
}
errors++;
}
for(const key1 in data5){
if(!(key1 === "env")){
const err16 = {instancePath:instancePath+"/keyring",schemaPath:"#/definitions/secretRef/oneOf/0/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key1},message:"must NOT have additional properties",schema:false,parentSchema:schema23.oneOf[0],data:data5};
if(vErrors === null){
vErrors = [err16];
}
else {
vErrors.push(err16);
}
errors++;
}
}
if(data5.env !== undefined){
let data6 = data5.env;
if(typeof data6 === "string"){
if(!pattern2.test(data6)){
const err17 = {instancePath:instancePath+"/keyring/env",schemaPath:"#/definitions/secretRef/oneOf/0/properties/env/pattern",keyword:"pattern",params:{pattern: "^[A-Za-z_][A-Za-z0-9_]*$"},message:"must match pattern \""+"^[A-Za-z_][A-Za-z0-9_]*$"+"\"",schema:"^[A-Za-z_][A-Za-z0-9_]*$",parentSchema:schema23.oneOf[0].properties.env,data:data6};
if(vErrors === null){
vErrors = [err17];
}
else {
vErrors.push(err17);
}
errors++;
}
}
else {
const err18 = {instancePath:instancePath+"/keyring/env",schemaPath:"#/definitions/secretRef/oneOf/0/properties/env/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema23.oneOf[0].properties.env.type,parentSchema:schema23.oneOf[0].properties.env,data:data6};
if(vErrors === null){
vErrors = [err18];
}
else {
vErrors.push(err18);
}
errors++;
}
}
}
else {
const err19 = {instancePath:instancePath+"/keyring",schemaPath:"#/definitions/secretRef/oneOf/0/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema23.oneOf[0].type,parentSchema:schema23.oneOf[0],data:data5};
if(vErrors === null){
vErrors = [err19];
}
else {
vErrors.push(err19);
}
errors++;
}
var _valid1 = _errs21 === errors;
if(_valid1){
valid7 = true;
passing0 = 0;
}
const _errs26 = errors;
if(data5 && typeof data5 == "object" && !Array.isArray(data5)){
if(data5.file === undefined){
const err20 = {instancePath:instancePath+"/keyring",schemaPath:"#/definitions/secretRef/oneOf/1/required",keyword:"required",params:{missingProperty: "file"},message:"must have required property '"+"file"+"'",schema:schema23.oneOf[1].required,parentSchema:schema23.oneOf[1],data:data5};
if(vErrors === null){
vErrors = [err20];
}
else {
vErrors.push(err20);
}
errors++;
}
for(const key2 in data5){
if(!(key2 === "file")){
const err21 = {instancePath:instancePath+"/keyring",schemaPath:"#/definitions/secretRef/oneOf/1/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key2},message:"must NOT have additional properties",schema:false,parentSchema:schema23.oneOf[1],data:data5};
if(vErrors === null){
vErrors = [err21];
}
else {
vErrors.push(err21);
}
errors++;
}
}
if(data5.file !== undefined){
let data7 = data5.file;
if(typeof data7 === "string"){
if(func2(data7) < 1){
const err22 = {instancePath:instancePath+"/keyring/file",schemaPath:"#/definitions/secretRef/oneOf/1/properties/file/minLength",keyword:"minLength",params:{limit: 1},message:"must NOT have fewer than 1 characters",schema:1,parentSchema:schema23.oneOf[1].properties.file,data:data7};
if(vErrors === null){
vErrors = [err22];
}
else {
vErrors.push(err22);
}
errors++;
}
}
else {
const err23 = {instancePath:instancePath+"/keyring/file",schemaPath:"#/definitions/secretRef/oneOf/1/properties/file/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema23.oneOf[1].properties.file.type,parentSchema:schema23.oneOf[1].properties.file,data:data7};
if(vErrors === null){
vErrors = [err23];
}
else {
vErrors.push(err23);
}
errors++;
}
}
}
else {
const err24 = {instancePath:instancePath+"/keyring",schemaPath:"#/definitions/secretRef/oneOf/1/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema23.oneOf[1].type,parentSchema:schema23.oneOf[1],data:data5};
if(vErrors === null){
vErrors = [err24];
}
else {
vErrors.push(err24);
}
errors++;
}
var _valid1 = _errs26 === errors;
if(_valid1 && valid7){
valid7 = false;
passing0 = [passing0, 1];
}
else {
if(_valid1){
valid7 = true;
passing0 = 1;
}
}
if(!valid7){
const err25 = {instancePath:instancePath+"/keyring",schemaPath:"#/definitions/secretRef/oneOf",keyword:"oneOf",params:{passingSchemas: passing0},message:"must match exactly one schema in oneOf",schema:schema23.oneOf,parentSchema:schema23,data:data5};
if(vErrors === null){
vErrors = [err25];
}
else {
vErrors.push(err25);
}
errors++;
}
else {
errors = _errs20;
if(vErrors !== null){
if(_errs20){
vErrors.length = _errs20;
}
else {
vErrors = null;
}
}
}
}
}
else {
const err26 = {instancePath,schemaPath:"#/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema18.type,parentSchema:schema18,data};
if(vErrors === null){
vErrors = [err26];
}
else {
vErrors.push(err26);
}
errors++;
}
validate13.errors = vErrors;
return errors === 0;
}

const schema24 = {"type":"object","additionalProperties":false,"required":["driver","endpoint","apiToken"],"properties":{"driver":{"description":"Pure Storage FlashArray.","const":"pure"},"endpoint":{"description":"Array management URL (REST 2.x), e.g. https://fa-a.example.com.","type":"string","pattern":"^https?://[^\\s]+$"},"apiToken":{"description":"Array API token, as `{ env: NAME }` or `{ file: PATH }`; never written literally.","$ref":"#/definitions/secretRef"},"insecure":{"description":"Accept a self-signed array certificate (drctl warns at run time). Default false.","type":"boolean"},"caFile":{"description":"PEM CA bundle used to verify the array's certificate.","$ref":"#/definitions/nonEmptyString"}}};
const pattern3 = new RegExp("^https?://[^\\s]+$", "u");

function validate15(data, {instancePath="", parentData, parentDataProperty, rootData=data}={}){
let vErrors = null;
let errors = 0;
if(data && typeof data == "object" && !Array.isArray(data)){
if(data.driver === undefined){
const err0 = {instancePath,schemaPath:"#/required",keyword:"required",params:{missingProperty: "driver"},message:"must have required property '"+"driver"+"'",schema:schema24.required,parentSchema:schema24,data};
if(vErrors === null){
vErrors = [err0];
}
else {
vErrors.push(err0);
}
errors++;
}
if(data.endpoint === undefined){
const err1 = {instancePath,schemaPath:"#/required",keyword:"required",params:{missingProperty: "endpoint"},message:"must have required property '"+"endpoint"+"'",schema:schema24.required,parentSchema:schema24,data};
if(vErrors === null){
vErrors = [err1];
}
else {
vErrors.push(err1);
}
errors++;
}
if(data.apiToken === undefined){
const err2 = {instancePath,schemaPath:"#/required",keyword:"required",params:{missingProperty: "apiToken"},message:"must have required property '"+"apiToken"+"'",schema:schema24.required,parentSchema:schema24,data};
if(vErrors === null){
vErrors = [err2];
}
else {
vErrors.push(err2);
}
errors++;
}
for(const key0 in data){
if(!(((((key0 === "driver") || (key0 === "endpoint")) || (key0 === "apiToken")) || (key0 === "insecure")) || (key0 === "caFile"))){
const err3 = {instancePath,schemaPath:"#/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key0},message:"must NOT have additional properties",schema:false,parentSchema:schema24,data};
if(vErrors === null){
vErrors = [err3];
}
else {
vErrors.push(err3);
}
errors++;
}
}
if(data.driver !== undefined){
let data0 = data.driver;
if("pure" !== data0){
const err4 = {instancePath:instancePath+"/driver",schemaPath:"#/properties/driver/const",keyword:"const",params:{allowedValue: "pure"},message:"must be equal to constant",schema:"pure",parentSchema:schema24.properties.driver,data:data0};
if(vErrors === null){
vErrors = [err4];
}
else {
vErrors.push(err4);
}
errors++;
}
}
if(data.endpoint !== undefined){
let data1 = data.endpoint;
if(typeof data1 === "string"){
if(!pattern3.test(data1)){
const err5 = {instancePath:instancePath+"/endpoint",schemaPath:"#/properties/endpoint/pattern",keyword:"pattern",params:{pattern: "^https?://[^\\s]+$"},message:"must match pattern \""+"^https?://[^\\s]+$"+"\"",schema:"^https?://[^\\s]+$",parentSchema:schema24.properties.endpoint,data:data1};
if(vErrors === null){
vErrors = [err5];
}
else {
vErrors.push(err5);
}
errors++;
}
}
else {
const err6 = {instancePath:instancePath+"/endpoint",schemaPath:"#/properties/endpoint/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema24.properties.endpoint.type,parentSchema:schema24.properties.endpoint,data:data1};
if(vErrors === null){
vErrors = [err6];
}
else {
vErrors.push(err6);
}
errors++;
}
}
if(data.apiToken !== undefined){
let data2 = data.apiToken;
const _errs7 = errors;
let valid2 = false;
let passing0 = null;
const _errs8 = errors;
if(data2 && typeof data2 == "object" && !Array.isArray(data2)){
if(data2.env === undefined){
const err7 = {instancePath:instancePath+"/apiToken",schemaPath:"#/definitions/secretRef/oneOf/0/required",keyword:"required",params:{missingProperty: "env"},message:"must have required property '"+"env"+"'",schema:schema23.oneOf[0].required,parentSchema:schema23.oneOf[0],data:data2};
if(vErrors === null){
vErrors = [err7];
}
else {
vErrors.push(err7);
}
errors++;
}
for(const key1 in data2){
if(!(key1 === "env")){
const err8 = {instancePath:instancePath+"/apiToken",schemaPath:"#/definitions/secretRef/oneOf/0/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key1},message:"must NOT have additional properties",schema:false,parentSchema:schema23.oneOf[0],data:data2};
if(vErrors === null){
vErrors = [err8];
}
else {
vErrors.push(err8);
}
errors++;
}
}
if(data2.env !== undefined){
let data3 = data2.env;
if(typeof data3 === "string"){
if(!pattern2.test(data3)){
const err9 = {instancePath:instancePath+"/apiToken/env",schemaPath:"#/definitions/secretRef/oneOf/0/properties/env/pattern",keyword:"pattern",params:{pattern: "^[A-Za-z_][A-Za-z0-9_]*$"},message:"must match pattern \""+"^[A-Za-z_][A-Za-z0-9_]*$"+"\"",schema:"^[A-Za-z_][A-Za-z0-9_]*$",parentSchema:schema23.oneOf[0].properties.env,data:data3};
if(vErrors === null){
vErrors = [err9];
}
else {
vErrors.push(err9);
}
errors++;
}
}
else {
const err10 = {instancePath:instancePath+"/apiToken/env",schemaPath:"#/definitions/secretRef/oneOf/0/properties/env/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema23.oneOf[0].properties.env.type,parentSchema:schema23.oneOf[0].properties.env,data:data3};
if(vErrors === null){
vErrors = [err10];
}
else {
vErrors.push(err10);
}
errors++;
}
}
}
else {
const err11 = {instancePath:instancePath+"/apiToken",schemaPath:"#/definitions/secretRef/oneOf/0/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema23.oneOf[0].type,parentSchema:schema23.oneOf[0],data:data2};
if(vErrors === null){
vErrors = [err11];
}
else {
vErrors.push(err11);
}
errors++;
}
var _valid0 = _errs8 === errors;
if(_valid0){
valid2 = true;
passing0 = 0;
}
const _errs13 = errors;
if(data2 && typeof data2 == "object" && !Array.isArray(data2)){
if(data2.file === undefined){
const err12 = {instancePath:instancePath+"/apiToken",schemaPath:"#/definitions/secretRef/oneOf/1/required",keyword:"required",params:{missingProperty: "file"},message:"must have required property '"+"file"+"'",schema:schema23.oneOf[1].required,parentSchema:schema23.oneOf[1],data:data2};
if(vErrors === null){
vErrors = [err12];
}
else {
vErrors.push(err12);
}
errors++;
}
for(const key2 in data2){
if(!(key2 === "file")){
const err13 = {instancePath:instancePath+"/apiToken",schemaPath:"#/definitions/secretRef/oneOf/1/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key2},message:"must NOT have additional properties",schema:false,parentSchema:schema23.oneOf[1],data:data2};
if(vErrors === null){
vErrors = [err13];
}
else {
vErrors.push(err13);
}
errors++;
}
}
if(data2.file !== undefined){
let data4 = data2.file;
if(typeof data4 === "string"){
if(func2(data4) < 1){
const err14 = {instancePath:instancePath+"/apiToken/file",schemaPath:"#/definitions/secretRef/oneOf/1/properties/file/minLength",keyword:"minLength",params:{limit: 1},message:"must NOT have fewer than 1 characters",schema:1,parentSchema:schema23.oneOf[1].properties.file,data:data4};
if(vErrors === null){
vErrors = [err14];
}
else {
vErrors.push(err14);
}
errors++;
}
}
else {
const err15 = {instancePath:instancePath+"/apiToken/file",schemaPath:"#/definitions/secretRef/oneOf/1/properties/file/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema23.oneOf[1].properties.file.type,parentSchema:schema23.oneOf[1].properties.file,data:data4};
if(vErrors === null){
vErrors = [err15];
}
else {
vErrors.push(err15);
}
errors++;
}
}
}
else {
const err16 = {instancePath:instancePath+"/apiToken",schemaPath:"#/definitions/secretRef/oneOf/1/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema23.oneOf[1].type,parentSchema:schema23.oneOf[1],data:data2};
if(vErrors === null){
vErrors = [err16];
}
else {
vErrors.push(err16);
}
errors++;
}
var _valid0 = _errs13 === errors;
if(_valid0 && valid2){
valid2 = false;
passing0 = [passing0, 1];
}
else {
if(_valid0){
valid2 = true;
passing0 = 1;
}
}
if(!valid2){
const err17 = {instancePath:instancePath+"/apiToken",schemaPath:"#/definitions/secretRef/oneOf",keyword:"oneOf",params:{passingSchemas: passing0},message:"must match exactly one schema in oneOf",schema:schema23.oneOf,parentSchema:schema23,data:data2};
if(vErrors === null){
vErrors = [err17];
}
else {
vErrors.push(err17);
}
errors++;
}
else {
errors = _errs7;
if(vErrors !== null){
if(_errs7){
vErrors.length = _errs7;
}
else {
vErrors = null;
}
}
}
}
if(data.insecure !== undefined){
let data5 = data.insecure;
if(typeof data5 !== "boolean"){
const err18 = {instancePath:instancePath+"/insecure",schemaPath:"#/properties/insecure/type",keyword:"type",params:{type: "boolean"},message:"must be boolean",schema:schema24.properties.insecure.type,parentSchema:schema24.properties.insecure,data:data5};
if(vErrors === null){
vErrors = [err18];
}
else {
vErrors.push(err18);
}
errors++;
}
}
if(data.caFile !== undefined){
let data6 = data.caFile;
if(typeof data6 === "string"){
if(func2(data6) < 1){
const err19 = {instancePath:instancePath+"/caFile",schemaPath:"#/definitions/nonEmptyString/minLength",keyword:"minLength",params:{limit: 1},message:"must NOT have fewer than 1 characters",schema:1,parentSchema:schema15,data:data6};
if(vErrors === null){
vErrors = [err19];
}
else {
vErrors.push(err19);
}
errors++;
}
}
else {
const err20 = {instancePath:instancePath+"/caFile",schemaPath:"#/definitions/nonEmptyString/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema15.type,parentSchema:schema15,data:data6};
if(vErrors === null){
vErrors = [err20];
}
else {
vErrors.push(err20);
}
errors++;
}
}
}
else {
const err21 = {instancePath,schemaPath:"#/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema24.type,parentSchema:schema24,data};
if(vErrors === null){
vErrors = [err21];
}
else {
vErrors.push(err21);
}
errors++;
}
validate15.errors = vErrors;
return errors === 0;
}


function validate12(data, {instancePath="", parentData, parentDataProperty, rootData=data}={}){
let vErrors = null;
let errors = 0;
const _errs1 = errors;
let valid0 = true;
const _errs2 = errors;
if(data && typeof data == "object" && !Array.isArray(data)){
let missing0;
if((data.driver === undefined) && (missing0 = "driver")){
const err0 = {};
if(vErrors === null){
vErrors = [err0];
}
else {
vErrors.push(err0);
}
errors++;
}
else {
if(data.driver !== undefined){
if("ceph" !== data.driver){
const err1 = {};
if(vErrors === null){
vErrors = [err1];
}
else {
vErrors.push(err1);
}
errors++;
}
}
}
}
var _valid0 = _errs2 === errors;
errors = _errs1;
if(vErrors !== null){
if(_errs1){
vErrors.length = _errs1;
}
else {
vErrors = null;
}
}
let ifClause0;
if(_valid0){
const _errs4 = errors;
if(!(validate13(data, {instancePath,parentData,parentDataProperty,rootData}))){
vErrors = vErrors === null ? validate13.errors : vErrors.concat(validate13.errors);
errors = vErrors.length;
}
var _valid0 = _errs4 === errors;
valid0 = _valid0;
ifClause0 = "then";
}
else {
const _errs5 = errors;
const _errs6 = errors;
let valid2 = true;
const _errs7 = errors;
if(data && typeof data == "object" && !Array.isArray(data)){
let missing1;
if((data.driver === undefined) && (missing1 = "driver")){
const err2 = {};
if(vErrors === null){
vErrors = [err2];
}
else {
vErrors.push(err2);
}
errors++;
}
else {
if(data.driver !== undefined){
if("pure" !== data.driver){
const err3 = {};
if(vErrors === null){
vErrors = [err3];
}
else {
vErrors.push(err3);
}
errors++;
}
}
}
}
var _valid1 = _errs7 === errors;
errors = _errs6;
if(vErrors !== null){
if(_errs6){
vErrors.length = _errs6;
}
else {
vErrors = null;
}
}
if(_valid1){
const _errs9 = errors;
if(!(validate15(data, {instancePath,parentData,parentDataProperty,rootData}))){
vErrors = vErrors === null ? validate15.errors : vErrors.concat(validate15.errors);
errors = vErrors.length;
}
var _valid1 = _errs9 === errors;
valid2 = _valid1;
}
if(!valid2){
const err4 = {instancePath,schemaPath:"#/else/if",keyword:"if",params:{failingKeyword: "then"},message:"must match \"then\" schema",schema:schema17.else.if,parentSchema:schema17.else,data};
if(vErrors === null){
vErrors = [err4];
}
else {
vErrors.push(err4);
}
errors++;
}
var _valid0 = _errs5 === errors;
valid0 = _valid0;
ifClause0 = "else";
}
if(!valid0){
const err5 = {instancePath,schemaPath:"#/if",keyword:"if",params:{failingKeyword: ifClause0},message:"must match \""+ifClause0+"\" schema",schema:schema17.if,parentSchema:schema17,data};
if(vErrors === null){
vErrors = [err5];
}
else {
vErrors.push(err5);
}
errors++;
}
if(data && typeof data == "object" && !Array.isArray(data)){
if(data.driver === undefined){
const err6 = {instancePath,schemaPath:"#/required",keyword:"required",params:{missingProperty: "driver"},message:"must have required property '"+"driver"+"'",schema:schema17.required,parentSchema:schema17,data};
if(vErrors === null){
vErrors = [err6];
}
else {
vErrors.push(err6);
}
errors++;
}
if(data.driver !== undefined){
let data2 = data.driver;
if(!((data2 === "pure") || (data2 === "ceph"))){
const err7 = {instancePath:instancePath+"/driver",schemaPath:"#/properties/driver/enum",keyword:"enum",params:{allowedValues: schema17.properties.driver.enum},message:"must be equal to one of the allowed values",schema:schema17.properties.driver.enum,parentSchema:schema17.properties.driver,data:data2};
if(vErrors === null){
vErrors = [err7];
}
else {
vErrors.push(err7);
}
errors++;
}
}
}
else {
const err8 = {instancePath,schemaPath:"#/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema17.type,parentSchema:schema17,data};
if(vErrors === null){
vErrors = [err8];
}
else {
vErrors.push(err8);
}
errors++;
}
validate12.errors = vErrors;
return errors === 0;
}


function validate11(data, {instancePath="", parentData, parentDataProperty, rootData=data}={}){
let vErrors = null;
let errors = 0;
if(data && typeof data == "object" && !Array.isArray(data)){
if(data.cloud === undefined){
const err0 = {instancePath,schemaPath:"#/required",keyword:"required",params:{missingProperty: "cloud"},message:"must have required property '"+"cloud"+"'",schema:schema14.required,parentSchema:schema14,data};
if(vErrors === null){
vErrors = [err0];
}
else {
vErrors.push(err0);
}
errors++;
}
if(data.storage === undefined){
const err1 = {instancePath,schemaPath:"#/required",keyword:"required",params:{missingProperty: "storage"},message:"must have required property '"+"storage"+"'",schema:schema14.required,parentSchema:schema14,data};
if(vErrors === null){
vErrors = [err1];
}
else {
vErrors.push(err1);
}
errors++;
}
for(const key0 in data){
if(!(((key0 === "cloud") || (key0 === "adminCloud")) || (key0 === "storage"))){
const err2 = {instancePath,schemaPath:"#/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key0},message:"must NOT have additional properties",schema:false,parentSchema:schema14,data};
if(vErrors === null){
vErrors = [err2];
}
else {
vErrors.push(err2);
}
errors++;
}
}
if(data.cloud !== undefined){
let data0 = data.cloud;
if(typeof data0 === "string"){
if(func2(data0) < 1){
const err3 = {instancePath:instancePath+"/cloud",schemaPath:"#/definitions/nonEmptyString/minLength",keyword:"minLength",params:{limit: 1},message:"must NOT have fewer than 1 characters",schema:1,parentSchema:schema15,data:data0};
if(vErrors === null){
vErrors = [err3];
}
else {
vErrors.push(err3);
}
errors++;
}
}
else {
const err4 = {instancePath:instancePath+"/cloud",schemaPath:"#/definitions/nonEmptyString/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema15.type,parentSchema:schema15,data:data0};
if(vErrors === null){
vErrors = [err4];
}
else {
vErrors.push(err4);
}
errors++;
}
}
if(data.adminCloud !== undefined){
let data1 = data.adminCloud;
if(typeof data1 === "string"){
if(func2(data1) < 1){
const err5 = {instancePath:instancePath+"/adminCloud",schemaPath:"#/definitions/nonEmptyString/minLength",keyword:"minLength",params:{limit: 1},message:"must NOT have fewer than 1 characters",schema:1,parentSchema:schema15,data:data1};
if(vErrors === null){
vErrors = [err5];
}
else {
vErrors.push(err5);
}
errors++;
}
}
else {
const err6 = {instancePath:instancePath+"/adminCloud",schemaPath:"#/definitions/nonEmptyString/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema15.type,parentSchema:schema15,data:data1};
if(vErrors === null){
vErrors = [err6];
}
else {
vErrors.push(err6);
}
errors++;
}
}
if(data.storage !== undefined){
if(!(validate12(data.storage, {instancePath:instancePath+"/storage",parentData:data,parentDataProperty:"storage",rootData}))){
vErrors = vErrors === null ? validate12.errors : vErrors.concat(validate12.errors);
errors = vErrors.length;
}
}
}
else {
const err7 = {instancePath,schemaPath:"#/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema14.type,parentSchema:schema14,data};
if(vErrors === null){
vErrors = [err7];
}
else {
vErrors.push(err7);
}
errors++;
}
validate11.errors = vErrors;
return errors === 0;
}

const schema28 = {"description":"A protection group: servers that fail over together, with one consistency group and one array protection group (async) or pod (sync).","type":"object","additionalProperties":false,"required":["primarySite","secondarySite","activeSite","replication","members"],"properties":{"description":{"description":"Free text shown in plans and reports.","type":"string"},"primarySite":{"description":"Home site of the group (where it runs normally). One of `sites`.","$ref":"#/definitions/nonEmptyString"},"secondarySite":{"description":"DR site of the group. One of `sites`, different from primarySite.","$ref":"#/definitions/nonEmptyString"},"activeSite":{"description":"Desired: where production runs now. Set it to the secondary site to fail over, back to the primary to fail back.","$ref":"#/definitions/nonEmptyString"},"drill":{"description":"Desired: `true` brings a DR drill up on the standby site (production untouched), `false` tears it down. Default false.","type":"boolean"},"replication":{"$ref":"#/definitions/replication"},"failover":{"description":"How failovers of this group run.","type":"object","additionalProperties":false,"properties":{"mode":{"description":"`planned` (default): both sites must be reachable, final sync before promotion. `unplanned`: allowed to fail over with the active site unreachable, accepting the data-loss window shown in the plan.","enum":["planned","unplanned"]},"reverseReplication":{"description":"After a failover or failback, replicate back towards the site just left. Default true.","type":"boolean"}}},"members":{"description":"Servers of the group, at least one. A server belongs to one group only.","type":"array","minItems":1,"items":{"$ref":"#/definitions/member"}},"mappings":{"$ref":"#/definitions/mappings"},"drillNetworks":{"description":"Drill isolation: primary network name -> isolated network on the standby site used by drill copies. Each source must be a mapped network; targets must not be production networks.","$ref":"#/definitions/nameMap"}}};
const func17 = Object.prototype.hasOwnProperty;
const schema32 = {"description":"How the group's volumes replicate between the sites.","type":"object","additionalProperties":false,"required":["type","volumeType"],"properties":{"type":{"description":"`async` (array snapshots every intervalSeconds, RPO > 0) or `sync` (pod / mirrored images, RPO 0).","enum":["async","sync"]},"volumeType":{"description":"Cinder volume type of every member volume; replication-enabled on both sites.","$ref":"#/definitions/nonEmptyString"},"arrayGroup":{"description":"Pure protection group name (pure driver, async). Required there.","$ref":"#/definitions/resourceName"},"pod":{"description":"Pure ActiveCluster pod name (pure driver, sync). Required there.","$ref":"#/definitions/resourceName"},"mirrorMode":{"description":"Ceph RBD mirroring mode, `journal` or `snapshot` (ceph driver only).","enum":["journal","snapshot"]},"intervalSeconds":{"description":"async only, required: replication interval in seconds (e.g. 300).","type":"integer","minimum":1},"rpoMinutes":{"description":"async only, required: recovery point objective in minutes; plans are blocked when replication lag exceeds it.","type":"integer","minimum":1}}};

function validate20(data, {instancePath="", parentData, parentDataProperty, rootData=data}={}){
let vErrors = null;
let errors = 0;
if(data && typeof data == "object" && !Array.isArray(data)){
if(data.type === undefined){
const err0 = {instancePath,schemaPath:"#/required",keyword:"required",params:{missingProperty: "type"},message:"must have required property '"+"type"+"'",schema:schema32.required,parentSchema:schema32,data};
if(vErrors === null){
vErrors = [err0];
}
else {
vErrors.push(err0);
}
errors++;
}
if(data.volumeType === undefined){
const err1 = {instancePath,schemaPath:"#/required",keyword:"required",params:{missingProperty: "volumeType"},message:"must have required property '"+"volumeType"+"'",schema:schema32.required,parentSchema:schema32,data};
if(vErrors === null){
vErrors = [err1];
}
else {
vErrors.push(err1);
}
errors++;
}
for(const key0 in data){
if(!(((((((key0 === "type") || (key0 === "volumeType")) || (key0 === "arrayGroup")) || (key0 === "pod")) || (key0 === "mirrorMode")) || (key0 === "intervalSeconds")) || (key0 === "rpoMinutes"))){
const err2 = {instancePath,schemaPath:"#/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key0},message:"must NOT have additional properties",schema:false,parentSchema:schema32,data};
if(vErrors === null){
vErrors = [err2];
}
else {
vErrors.push(err2);
}
errors++;
}
}
if(data.type !== undefined){
let data0 = data.type;
if(!((data0 === "async") || (data0 === "sync"))){
const err3 = {instancePath:instancePath+"/type",schemaPath:"#/properties/type/enum",keyword:"enum",params:{allowedValues: schema32.properties.type.enum},message:"must be equal to one of the allowed values",schema:schema32.properties.type.enum,parentSchema:schema32.properties.type,data:data0};
if(vErrors === null){
vErrors = [err3];
}
else {
vErrors.push(err3);
}
errors++;
}
}
if(data.volumeType !== undefined){
let data1 = data.volumeType;
if(typeof data1 === "string"){
if(func2(data1) < 1){
const err4 = {instancePath:instancePath+"/volumeType",schemaPath:"#/definitions/nonEmptyString/minLength",keyword:"minLength",params:{limit: 1},message:"must NOT have fewer than 1 characters",schema:1,parentSchema:schema15,data:data1};
if(vErrors === null){
vErrors = [err4];
}
else {
vErrors.push(err4);
}
errors++;
}
}
else {
const err5 = {instancePath:instancePath+"/volumeType",schemaPath:"#/definitions/nonEmptyString/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema15.type,parentSchema:schema15,data:data1};
if(vErrors === null){
vErrors = [err5];
}
else {
vErrors.push(err5);
}
errors++;
}
}
if(data.arrayGroup !== undefined){
let data2 = data.arrayGroup;
if(typeof data2 === "string"){
if(func2(data2) > 63){
const err6 = {instancePath:instancePath+"/arrayGroup",schemaPath:"#/definitions/resourceName/maxLength",keyword:"maxLength",params:{limit: 63},message:"must NOT have more than 63 characters",schema:63,parentSchema:schema12,data:data2};
if(vErrors === null){
vErrors = [err6];
}
else {
vErrors.push(err6);
}
errors++;
}
if(func2(data2) < 1){
const err7 = {instancePath:instancePath+"/arrayGroup",schemaPath:"#/definitions/resourceName/minLength",keyword:"minLength",params:{limit: 1},message:"must NOT have fewer than 1 characters",schema:1,parentSchema:schema12,data:data2};
if(vErrors === null){
vErrors = [err7];
}
else {
vErrors.push(err7);
}
errors++;
}
if(!pattern0.test(data2)){
const err8 = {instancePath:instancePath+"/arrayGroup",schemaPath:"#/definitions/resourceName/pattern",keyword:"pattern",params:{pattern: "^[A-Za-z0-9._-]+$"},message:"must match pattern \""+"^[A-Za-z0-9._-]+$"+"\"",schema:"^[A-Za-z0-9._-]+$",parentSchema:schema12,data:data2};
if(vErrors === null){
vErrors = [err8];
}
else {
vErrors.push(err8);
}
errors++;
}
}
else {
const err9 = {instancePath:instancePath+"/arrayGroup",schemaPath:"#/definitions/resourceName/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema12.type,parentSchema:schema12,data:data2};
if(vErrors === null){
vErrors = [err9];
}
else {
vErrors.push(err9);
}
errors++;
}
}
if(data.pod !== undefined){
let data3 = data.pod;
if(typeof data3 === "string"){
if(func2(data3) > 63){
const err10 = {instancePath:instancePath+"/pod",schemaPath:"#/definitions/resourceName/maxLength",keyword:"maxLength",params:{limit: 63},message:"must NOT have more than 63 characters",schema:63,parentSchema:schema12,data:data3};
if(vErrors === null){
vErrors = [err10];
}
else {
vErrors.push(err10);
}
errors++;
}
if(func2(data3) < 1){
const err11 = {instancePath:instancePath+"/pod",schemaPath:"#/definitions/resourceName/minLength",keyword:"minLength",params:{limit: 1},message:"must NOT have fewer than 1 characters",schema:1,parentSchema:schema12,data:data3};
if(vErrors === null){
vErrors = [err11];
}
else {
vErrors.push(err11);
}
errors++;
}
if(!pattern0.test(data3)){
const err12 = {instancePath:instancePath+"/pod",schemaPath:"#/definitions/resourceName/pattern",keyword:"pattern",params:{pattern: "^[A-Za-z0-9._-]+$"},message:"must match pattern \""+"^[A-Za-z0-9._-]+$"+"\"",schema:"^[A-Za-z0-9._-]+$",parentSchema:schema12,data:data3};
if(vErrors === null){
vErrors = [err12];
}
else {
vErrors.push(err12);
}
errors++;
}
}
else {
const err13 = {instancePath:instancePath+"/pod",schemaPath:"#/definitions/resourceName/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema12.type,parentSchema:schema12,data:data3};
if(vErrors === null){
vErrors = [err13];
}
else {
vErrors.push(err13);
}
errors++;
}
}
if(data.mirrorMode !== undefined){
let data4 = data.mirrorMode;
if(!((data4 === "journal") || (data4 === "snapshot"))){
const err14 = {instancePath:instancePath+"/mirrorMode",schemaPath:"#/properties/mirrorMode/enum",keyword:"enum",params:{allowedValues: schema32.properties.mirrorMode.enum},message:"must be equal to one of the allowed values",schema:schema32.properties.mirrorMode.enum,parentSchema:schema32.properties.mirrorMode,data:data4};
if(vErrors === null){
vErrors = [err14];
}
else {
vErrors.push(err14);
}
errors++;
}
}
if(data.intervalSeconds !== undefined){
let data5 = data.intervalSeconds;
if(!(((typeof data5 == "number") && (!(data5 % 1) && !isNaN(data5))) && (isFinite(data5)))){
const err15 = {instancePath:instancePath+"/intervalSeconds",schemaPath:"#/properties/intervalSeconds/type",keyword:"type",params:{type: "integer"},message:"must be integer",schema:schema32.properties.intervalSeconds.type,parentSchema:schema32.properties.intervalSeconds,data:data5};
if(vErrors === null){
vErrors = [err15];
}
else {
vErrors.push(err15);
}
errors++;
}
if((typeof data5 == "number") && (isFinite(data5))){
if(data5 < 1 || isNaN(data5)){
const err16 = {instancePath:instancePath+"/intervalSeconds",schemaPath:"#/properties/intervalSeconds/minimum",keyword:"minimum",params:{comparison: ">=", limit: 1},message:"must be >= 1",schema:1,parentSchema:schema32.properties.intervalSeconds,data:data5};
if(vErrors === null){
vErrors = [err16];
}
else {
vErrors.push(err16);
}
errors++;
}
}
}
if(data.rpoMinutes !== undefined){
let data6 = data.rpoMinutes;
if(!(((typeof data6 == "number") && (!(data6 % 1) && !isNaN(data6))) && (isFinite(data6)))){
const err17 = {instancePath:instancePath+"/rpoMinutes",schemaPath:"#/properties/rpoMinutes/type",keyword:"type",params:{type: "integer"},message:"must be integer",schema:schema32.properties.rpoMinutes.type,parentSchema:schema32.properties.rpoMinutes,data:data6};
if(vErrors === null){
vErrors = [err17];
}
else {
vErrors.push(err17);
}
errors++;
}
if((typeof data6 == "number") && (isFinite(data6))){
if(data6 < 1 || isNaN(data6)){
const err18 = {instancePath:instancePath+"/rpoMinutes",schemaPath:"#/properties/rpoMinutes/minimum",keyword:"minimum",params:{comparison: ">=", limit: 1},message:"must be >= 1",schema:1,parentSchema:schema32.properties.rpoMinutes,data:data6};
if(vErrors === null){
vErrors = [err18];
}
else {
vErrors.push(err18);
}
errors++;
}
}
}
}
else {
const err19 = {instancePath,schemaPath:"#/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema32.type,parentSchema:schema32,data};
if(vErrors === null){
vErrors = [err19];
}
else {
vErrors.push(err19);
}
errors++;
}
validate20.errors = vErrors;
return errors === 0;
}

const schema36 = {"description":"One server of the group.","type":"object","additionalProperties":false,"required":["server","tier"],"properties":{"server":{"description":"Server name or UUID on the primary site.","$ref":"#/definitions/resourceName"},"tier":{"description":"Boot order, a positive integer: lower tiers boot first and stop last.","type":"integer","minimum":1}}};

function validate22(data, {instancePath="", parentData, parentDataProperty, rootData=data}={}){
let vErrors = null;
let errors = 0;
if(data && typeof data == "object" && !Array.isArray(data)){
if(data.server === undefined){
const err0 = {instancePath,schemaPath:"#/required",keyword:"required",params:{missingProperty: "server"},message:"must have required property '"+"server"+"'",schema:schema36.required,parentSchema:schema36,data};
if(vErrors === null){
vErrors = [err0];
}
else {
vErrors.push(err0);
}
errors++;
}
if(data.tier === undefined){
const err1 = {instancePath,schemaPath:"#/required",keyword:"required",params:{missingProperty: "tier"},message:"must have required property '"+"tier"+"'",schema:schema36.required,parentSchema:schema36,data};
if(vErrors === null){
vErrors = [err1];
}
else {
vErrors.push(err1);
}
errors++;
}
for(const key0 in data){
if(!((key0 === "server") || (key0 === "tier"))){
const err2 = {instancePath,schemaPath:"#/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key0},message:"must NOT have additional properties",schema:false,parentSchema:schema36,data};
if(vErrors === null){
vErrors = [err2];
}
else {
vErrors.push(err2);
}
errors++;
}
}
if(data.server !== undefined){
let data0 = data.server;
if(typeof data0 === "string"){
if(func2(data0) > 63){
const err3 = {instancePath:instancePath+"/server",schemaPath:"#/definitions/resourceName/maxLength",keyword:"maxLength",params:{limit: 63},message:"must NOT have more than 63 characters",schema:63,parentSchema:schema12,data:data0};
if(vErrors === null){
vErrors = [err3];
}
else {
vErrors.push(err3);
}
errors++;
}
if(func2(data0) < 1){
const err4 = {instancePath:instancePath+"/server",schemaPath:"#/definitions/resourceName/minLength",keyword:"minLength",params:{limit: 1},message:"must NOT have fewer than 1 characters",schema:1,parentSchema:schema12,data:data0};
if(vErrors === null){
vErrors = [err4];
}
else {
vErrors.push(err4);
}
errors++;
}
if(!pattern0.test(data0)){
const err5 = {instancePath:instancePath+"/server",schemaPath:"#/definitions/resourceName/pattern",keyword:"pattern",params:{pattern: "^[A-Za-z0-9._-]+$"},message:"must match pattern \""+"^[A-Za-z0-9._-]+$"+"\"",schema:"^[A-Za-z0-9._-]+$",parentSchema:schema12,data:data0};
if(vErrors === null){
vErrors = [err5];
}
else {
vErrors.push(err5);
}
errors++;
}
}
else {
const err6 = {instancePath:instancePath+"/server",schemaPath:"#/definitions/resourceName/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema12.type,parentSchema:schema12,data:data0};
if(vErrors === null){
vErrors = [err6];
}
else {
vErrors.push(err6);
}
errors++;
}
}
if(data.tier !== undefined){
let data1 = data.tier;
if(!(((typeof data1 == "number") && (!(data1 % 1) && !isNaN(data1))) && (isFinite(data1)))){
const err7 = {instancePath:instancePath+"/tier",schemaPath:"#/properties/tier/type",keyword:"type",params:{type: "integer"},message:"must be integer",schema:schema36.properties.tier.type,parentSchema:schema36.properties.tier,data:data1};
if(vErrors === null){
vErrors = [err7];
}
else {
vErrors.push(err7);
}
errors++;
}
if((typeof data1 == "number") && (isFinite(data1))){
if(data1 < 1 || isNaN(data1)){
const err8 = {instancePath:instancePath+"/tier",schemaPath:"#/properties/tier/minimum",keyword:"minimum",params:{comparison: ">=", limit: 1},message:"must be >= 1",schema:1,parentSchema:schema36.properties.tier,data:data1};
if(vErrors === null){
vErrors = [err8];
}
else {
vErrors.push(err8);
}
errors++;
}
}
}
}
else {
const err9 = {instancePath,schemaPath:"#/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema36.type,parentSchema:schema36,data};
if(vErrors === null){
vErrors = [err9];
}
else {
vErrors.push(err9);
}
errors++;
}
validate22.errors = vErrors;
return errors === 0;
}

const schema38 = {"description":"How site-local resources map from the primary site to the secondary site.","type":"object","additionalProperties":false,"properties":{"networks":{"description":"Primary network name -> secondary network name. Every network a member's NIC is on needs an entry.","$ref":"#/definitions/nameMap"},"flavors":{"description":"Primary flavor name -> secondary flavor name. A flavor without an entry keeps its name.","$ref":"#/definitions/nameMap"},"securityGroups":{"description":"Primary security group -> secondary security group. A group without an entry keeps its name.","$ref":"#/definitions/nameMap"},"reverseNetworks":{"description":"Secondary network -> primary network, used for failback when `networks` is not invertible (two sources share a target).","$ref":"#/definitions/nameMap"},"reverseFlavors":{"description":"Secondary flavor -> primary flavor, used for failback when `flavors` is not invertible.","$ref":"#/definitions/nameMap"}}};
const schema39 = {"type":"object","propertyNames":{"minLength":1},"additionalProperties":{"$ref":"#/definitions/nonEmptyString"}};

function validate25(data, {instancePath="", parentData, parentDataProperty, rootData=data}={}){
let vErrors = null;
let errors = 0;
if(data && typeof data == "object" && !Array.isArray(data)){
for(const key0 in data){
const _errs1 = errors;
if(typeof key0 === "string"){
if(func2(key0) < 1){
const err0 = {instancePath,schemaPath:"#/propertyNames/minLength",keyword:"minLength",params:{limit: 1},message:"must NOT have fewer than 1 characters",schema:1,parentSchema:schema39.propertyNames,data:key0,propertyName:key0};
if(vErrors === null){
vErrors = [err0];
}
else {
vErrors.push(err0);
}
errors++;
}
}
var valid0 = _errs1 === errors;
if(!valid0){
const err1 = {instancePath,schemaPath:"#/propertyNames",keyword:"propertyNames",params:{propertyName: key0},message:"property name must be valid",schema:schema39.propertyNames,parentSchema:schema39,data};
if(vErrors === null){
vErrors = [err1];
}
else {
vErrors.push(err1);
}
errors++;
}
}
for(const key1 in data){
let data0 = data[key1];
if(typeof data0 === "string"){
if(func2(data0) < 1){
const err2 = {instancePath:instancePath+"/" + key1.replace(/~/g, "~0").replace(/\//g, "~1"),schemaPath:"#/definitions/nonEmptyString/minLength",keyword:"minLength",params:{limit: 1},message:"must NOT have fewer than 1 characters",schema:1,parentSchema:schema15,data:data0};
if(vErrors === null){
vErrors = [err2];
}
else {
vErrors.push(err2);
}
errors++;
}
}
else {
const err3 = {instancePath:instancePath+"/" + key1.replace(/~/g, "~0").replace(/\//g, "~1"),schemaPath:"#/definitions/nonEmptyString/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema15.type,parentSchema:schema15,data:data0};
if(vErrors === null){
vErrors = [err3];
}
else {
vErrors.push(err3);
}
errors++;
}
}
}
else {
const err4 = {instancePath,schemaPath:"#/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema39.type,parentSchema:schema39,data};
if(vErrors === null){
vErrors = [err4];
}
else {
vErrors.push(err4);
}
errors++;
}
validate25.errors = vErrors;
return errors === 0;
}


function validate24(data, {instancePath="", parentData, parentDataProperty, rootData=data}={}){
let vErrors = null;
let errors = 0;
if(data && typeof data == "object" && !Array.isArray(data)){
for(const key0 in data){
if(!(((((key0 === "networks") || (key0 === "flavors")) || (key0 === "securityGroups")) || (key0 === "reverseNetworks")) || (key0 === "reverseFlavors"))){
const err0 = {instancePath,schemaPath:"#/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key0},message:"must NOT have additional properties",schema:false,parentSchema:schema38,data};
if(vErrors === null){
vErrors = [err0];
}
else {
vErrors.push(err0);
}
errors++;
}
}
if(data.networks !== undefined){
if(!(validate25(data.networks, {instancePath:instancePath+"/networks",parentData:data,parentDataProperty:"networks",rootData}))){
vErrors = vErrors === null ? validate25.errors : vErrors.concat(validate25.errors);
errors = vErrors.length;
}
}
if(data.flavors !== undefined){
if(!(validate25(data.flavors, {instancePath:instancePath+"/flavors",parentData:data,parentDataProperty:"flavors",rootData}))){
vErrors = vErrors === null ? validate25.errors : vErrors.concat(validate25.errors);
errors = vErrors.length;
}
}
if(data.securityGroups !== undefined){
if(!(validate25(data.securityGroups, {instancePath:instancePath+"/securityGroups",parentData:data,parentDataProperty:"securityGroups",rootData}))){
vErrors = vErrors === null ? validate25.errors : vErrors.concat(validate25.errors);
errors = vErrors.length;
}
}
if(data.reverseNetworks !== undefined){
if(!(validate25(data.reverseNetworks, {instancePath:instancePath+"/reverseNetworks",parentData:data,parentDataProperty:"reverseNetworks",rootData}))){
vErrors = vErrors === null ? validate25.errors : vErrors.concat(validate25.errors);
errors = vErrors.length;
}
}
if(data.reverseFlavors !== undefined){
if(!(validate25(data.reverseFlavors, {instancePath:instancePath+"/reverseFlavors",parentData:data,parentDataProperty:"reverseFlavors",rootData}))){
vErrors = vErrors === null ? validate25.errors : vErrors.concat(validate25.errors);
errors = vErrors.length;
}
}
}
else {
const err1 = {instancePath,schemaPath:"#/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema38.type,parentSchema:schema38,data};
if(vErrors === null){
vErrors = [err1];
}
else {
vErrors.push(err1);
}
errors++;
}
validate24.errors = vErrors;
return errors === 0;
}


function validate19(data, {instancePath="", parentData, parentDataProperty, rootData=data}={}){
let vErrors = null;
let errors = 0;
if(data && typeof data == "object" && !Array.isArray(data)){
if(data.primarySite === undefined){
const err0 = {instancePath,schemaPath:"#/required",keyword:"required",params:{missingProperty: "primarySite"},message:"must have required property '"+"primarySite"+"'",schema:schema28.required,parentSchema:schema28,data};
if(vErrors === null){
vErrors = [err0];
}
else {
vErrors.push(err0);
}
errors++;
}
if(data.secondarySite === undefined){
const err1 = {instancePath,schemaPath:"#/required",keyword:"required",params:{missingProperty: "secondarySite"},message:"must have required property '"+"secondarySite"+"'",schema:schema28.required,parentSchema:schema28,data};
if(vErrors === null){
vErrors = [err1];
}
else {
vErrors.push(err1);
}
errors++;
}
if(data.activeSite === undefined){
const err2 = {instancePath,schemaPath:"#/required",keyword:"required",params:{missingProperty: "activeSite"},message:"must have required property '"+"activeSite"+"'",schema:schema28.required,parentSchema:schema28,data};
if(vErrors === null){
vErrors = [err2];
}
else {
vErrors.push(err2);
}
errors++;
}
if(data.replication === undefined){
const err3 = {instancePath,schemaPath:"#/required",keyword:"required",params:{missingProperty: "replication"},message:"must have required property '"+"replication"+"'",schema:schema28.required,parentSchema:schema28,data};
if(vErrors === null){
vErrors = [err3];
}
else {
vErrors.push(err3);
}
errors++;
}
if(data.members === undefined){
const err4 = {instancePath,schemaPath:"#/required",keyword:"required",params:{missingProperty: "members"},message:"must have required property '"+"members"+"'",schema:schema28.required,parentSchema:schema28,data};
if(vErrors === null){
vErrors = [err4];
}
else {
vErrors.push(err4);
}
errors++;
}
for(const key0 in data){
if(!(func17.call(schema28.properties, key0))){
const err5 = {instancePath,schemaPath:"#/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key0},message:"must NOT have additional properties",schema:false,parentSchema:schema28,data};
if(vErrors === null){
vErrors = [err5];
}
else {
vErrors.push(err5);
}
errors++;
}
}
if(data.description !== undefined){
let data0 = data.description;
if(typeof data0 !== "string"){
const err6 = {instancePath:instancePath+"/description",schemaPath:"#/properties/description/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema28.properties.description.type,parentSchema:schema28.properties.description,data:data0};
if(vErrors === null){
vErrors = [err6];
}
else {
vErrors.push(err6);
}
errors++;
}
}
if(data.primarySite !== undefined){
let data1 = data.primarySite;
if(typeof data1 === "string"){
if(func2(data1) < 1){
const err7 = {instancePath:instancePath+"/primarySite",schemaPath:"#/definitions/nonEmptyString/minLength",keyword:"minLength",params:{limit: 1},message:"must NOT have fewer than 1 characters",schema:1,parentSchema:schema15,data:data1};
if(vErrors === null){
vErrors = [err7];
}
else {
vErrors.push(err7);
}
errors++;
}
}
else {
const err8 = {instancePath:instancePath+"/primarySite",schemaPath:"#/definitions/nonEmptyString/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema15.type,parentSchema:schema15,data:data1};
if(vErrors === null){
vErrors = [err8];
}
else {
vErrors.push(err8);
}
errors++;
}
}
if(data.secondarySite !== undefined){
let data2 = data.secondarySite;
if(typeof data2 === "string"){
if(func2(data2) < 1){
const err9 = {instancePath:instancePath+"/secondarySite",schemaPath:"#/definitions/nonEmptyString/minLength",keyword:"minLength",params:{limit: 1},message:"must NOT have fewer than 1 characters",schema:1,parentSchema:schema15,data:data2};
if(vErrors === null){
vErrors = [err9];
}
else {
vErrors.push(err9);
}
errors++;
}
}
else {
const err10 = {instancePath:instancePath+"/secondarySite",schemaPath:"#/definitions/nonEmptyString/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema15.type,parentSchema:schema15,data:data2};
if(vErrors === null){
vErrors = [err10];
}
else {
vErrors.push(err10);
}
errors++;
}
}
if(data.activeSite !== undefined){
let data3 = data.activeSite;
if(typeof data3 === "string"){
if(func2(data3) < 1){
const err11 = {instancePath:instancePath+"/activeSite",schemaPath:"#/definitions/nonEmptyString/minLength",keyword:"minLength",params:{limit: 1},message:"must NOT have fewer than 1 characters",schema:1,parentSchema:schema15,data:data3};
if(vErrors === null){
vErrors = [err11];
}
else {
vErrors.push(err11);
}
errors++;
}
}
else {
const err12 = {instancePath:instancePath+"/activeSite",schemaPath:"#/definitions/nonEmptyString/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema15.type,parentSchema:schema15,data:data3};
if(vErrors === null){
vErrors = [err12];
}
else {
vErrors.push(err12);
}
errors++;
}
}
if(data.drill !== undefined){
let data4 = data.drill;
if(typeof data4 !== "boolean"){
const err13 = {instancePath:instancePath+"/drill",schemaPath:"#/properties/drill/type",keyword:"type",params:{type: "boolean"},message:"must be boolean",schema:schema28.properties.drill.type,parentSchema:schema28.properties.drill,data:data4};
if(vErrors === null){
vErrors = [err13];
}
else {
vErrors.push(err13);
}
errors++;
}
}
if(data.replication !== undefined){
if(!(validate20(data.replication, {instancePath:instancePath+"/replication",parentData:data,parentDataProperty:"replication",rootData}))){
vErrors = vErrors === null ? validate20.errors : vErrors.concat(validate20.errors);
errors = vErrors.length;
}
}
if(data.failover !== undefined){
let data6 = data.failover;
if(data6 && typeof data6 == "object" && !Array.isArray(data6)){
for(const key1 in data6){
if(!((key1 === "mode") || (key1 === "reverseReplication"))){
const err14 = {instancePath:instancePath+"/failover",schemaPath:"#/properties/failover/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key1},message:"must NOT have additional properties",schema:false,parentSchema:schema28.properties.failover,data:data6};
if(vErrors === null){
vErrors = [err14];
}
else {
vErrors.push(err14);
}
errors++;
}
}
if(data6.mode !== undefined){
let data7 = data6.mode;
if(!((data7 === "planned") || (data7 === "unplanned"))){
const err15 = {instancePath:instancePath+"/failover/mode",schemaPath:"#/properties/failover/properties/mode/enum",keyword:"enum",params:{allowedValues: schema28.properties.failover.properties.mode.enum},message:"must be equal to one of the allowed values",schema:schema28.properties.failover.properties.mode.enum,parentSchema:schema28.properties.failover.properties.mode,data:data7};
if(vErrors === null){
vErrors = [err15];
}
else {
vErrors.push(err15);
}
errors++;
}
}
if(data6.reverseReplication !== undefined){
let data8 = data6.reverseReplication;
if(typeof data8 !== "boolean"){
const err16 = {instancePath:instancePath+"/failover/reverseReplication",schemaPath:"#/properties/failover/properties/reverseReplication/type",keyword:"type",params:{type: "boolean"},message:"must be boolean",schema:schema28.properties.failover.properties.reverseReplication.type,parentSchema:schema28.properties.failover.properties.reverseReplication,data:data8};
if(vErrors === null){
vErrors = [err16];
}
else {
vErrors.push(err16);
}
errors++;
}
}
}
else {
const err17 = {instancePath:instancePath+"/failover",schemaPath:"#/properties/failover/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema28.properties.failover.type,parentSchema:schema28.properties.failover,data:data6};
if(vErrors === null){
vErrors = [err17];
}
else {
vErrors.push(err17);
}
errors++;
}
}
if(data.members !== undefined){
let data9 = data.members;
if(Array.isArray(data9)){
if(data9.length < 1){
const err18 = {instancePath:instancePath+"/members",schemaPath:"#/properties/members/minItems",keyword:"minItems",params:{limit: 1},message:"must NOT have fewer than 1 items",schema:1,parentSchema:schema28.properties.members,data:data9};
if(vErrors === null){
vErrors = [err18];
}
else {
vErrors.push(err18);
}
errors++;
}
const len0 = data9.length;
for(let i0=0; i0<len0; i0++){
if(!(validate22(data9[i0], {instancePath:instancePath+"/members/" + i0,parentData:data9,parentDataProperty:i0,rootData}))){
vErrors = vErrors === null ? validate22.errors : vErrors.concat(validate22.errors);
errors = vErrors.length;
}
}
}
else {
const err19 = {instancePath:instancePath+"/members",schemaPath:"#/properties/members/type",keyword:"type",params:{type: "array"},message:"must be array",schema:schema28.properties.members.type,parentSchema:schema28.properties.members,data:data9};
if(vErrors === null){
vErrors = [err19];
}
else {
vErrors.push(err19);
}
errors++;
}
}
if(data.mappings !== undefined){
if(!(validate24(data.mappings, {instancePath:instancePath+"/mappings",parentData:data,parentDataProperty:"mappings",rootData}))){
vErrors = vErrors === null ? validate24.errors : vErrors.concat(validate24.errors);
errors = vErrors.length;
}
}
if(data.drillNetworks !== undefined){
if(!(validate25(data.drillNetworks, {instancePath:instancePath+"/drillNetworks",parentData:data,parentDataProperty:"drillNetworks",rootData}))){
vErrors = vErrors === null ? validate25.errors : vErrors.concat(validate25.errors);
errors = vErrors.length;
}
}
}
else {
const err20 = {instancePath,schemaPath:"#/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema28.type,parentSchema:schema28,data};
if(vErrors === null){
vErrors = [err20];
}
else {
vErrors.push(err20);
}
errors++;
}
validate19.errors = vErrors;
return errors === 0;
}


function validate10(data, {instancePath="", parentData, parentDataProperty, rootData=data}={}){
/*# sourceURL="https://drctl.dev/schemas/drspec.schema.json" */;
let vErrors = null;
let errors = 0;
if(data && typeof data == "object" && !Array.isArray(data)){
if(data.apiVersion === undefined){
const err0 = {instancePath,schemaPath:"#/required",keyword:"required",params:{missingProperty: "apiVersion"},message:"must have required property '"+"apiVersion"+"'",schema:schema11.required,parentSchema:schema11,data};
if(vErrors === null){
vErrors = [err0];
}
else {
vErrors.push(err0);
}
errors++;
}
if(data.kind === undefined){
const err1 = {instancePath,schemaPath:"#/required",keyword:"required",params:{missingProperty: "kind"},message:"must have required property '"+"kind"+"'",schema:schema11.required,parentSchema:schema11,data};
if(vErrors === null){
vErrors = [err1];
}
else {
vErrors.push(err1);
}
errors++;
}
if(data.metadata === undefined){
const err2 = {instancePath,schemaPath:"#/required",keyword:"required",params:{missingProperty: "metadata"},message:"must have required property '"+"metadata"+"'",schema:schema11.required,parentSchema:schema11,data};
if(vErrors === null){
vErrors = [err2];
}
else {
vErrors.push(err2);
}
errors++;
}
if(data.sites === undefined){
const err3 = {instancePath,schemaPath:"#/required",keyword:"required",params:{missingProperty: "sites"},message:"must have required property '"+"sites"+"'",schema:schema11.required,parentSchema:schema11,data};
if(vErrors === null){
vErrors = [err3];
}
else {
vErrors.push(err3);
}
errors++;
}
if(data.groups === undefined){
const err4 = {instancePath,schemaPath:"#/required",keyword:"required",params:{missingProperty: "groups"},message:"must have required property '"+"groups"+"'",schema:schema11.required,parentSchema:schema11,data};
if(vErrors === null){
vErrors = [err4];
}
else {
vErrors.push(err4);
}
errors++;
}
for(const key0 in data){
if(!(((((key0 === "apiVersion") || (key0 === "kind")) || (key0 === "metadata")) || (key0 === "sites")) || (key0 === "groups"))){
const err5 = {instancePath,schemaPath:"#/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key0},message:"must NOT have additional properties",schema:false,parentSchema:schema11,data};
if(vErrors === null){
vErrors = [err5];
}
else {
vErrors.push(err5);
}
errors++;
}
}
if(data.apiVersion !== undefined){
let data0 = data.apiVersion;
if("drctl/v1" !== data0){
const err6 = {instancePath:instancePath+"/apiVersion",schemaPath:"#/properties/apiVersion/const",keyword:"const",params:{allowedValue: "drctl/v1"},message:"must be equal to constant",schema:"drctl/v1",parentSchema:schema11.properties.apiVersion,data:data0};
if(vErrors === null){
vErrors = [err6];
}
else {
vErrors.push(err6);
}
errors++;
}
}
if(data.kind !== undefined){
let data1 = data.kind;
if("DRSpec" !== data1){
const err7 = {instancePath:instancePath+"/kind",schemaPath:"#/properties/kind/const",keyword:"const",params:{allowedValue: "DRSpec"},message:"must be equal to constant",schema:"DRSpec",parentSchema:schema11.properties.kind,data:data1};
if(vErrors === null){
vErrors = [err7];
}
else {
vErrors.push(err7);
}
errors++;
}
}
if(data.metadata !== undefined){
let data2 = data.metadata;
if(data2 && typeof data2 == "object" && !Array.isArray(data2)){
if(data2.name === undefined){
const err8 = {instancePath:instancePath+"/metadata",schemaPath:"#/properties/metadata/required",keyword:"required",params:{missingProperty: "name"},message:"must have required property '"+"name"+"'",schema:schema11.properties.metadata.required,parentSchema:schema11.properties.metadata,data:data2};
if(vErrors === null){
vErrors = [err8];
}
else {
vErrors.push(err8);
}
errors++;
}
for(const key1 in data2){
if(!(key1 === "name")){
const err9 = {instancePath:instancePath+"/metadata",schemaPath:"#/properties/metadata/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key1},message:"must NOT have additional properties",schema:false,parentSchema:schema11.properties.metadata,data:data2};
if(vErrors === null){
vErrors = [err9];
}
else {
vErrors.push(err9);
}
errors++;
}
}
if(data2.name !== undefined){
let data3 = data2.name;
if(typeof data3 === "string"){
if(func2(data3) > 63){
const err10 = {instancePath:instancePath+"/metadata/name",schemaPath:"#/definitions/resourceName/maxLength",keyword:"maxLength",params:{limit: 63},message:"must NOT have more than 63 characters",schema:63,parentSchema:schema12,data:data3};
if(vErrors === null){
vErrors = [err10];
}
else {
vErrors.push(err10);
}
errors++;
}
if(func2(data3) < 1){
const err11 = {instancePath:instancePath+"/metadata/name",schemaPath:"#/definitions/resourceName/minLength",keyword:"minLength",params:{limit: 1},message:"must NOT have fewer than 1 characters",schema:1,parentSchema:schema12,data:data3};
if(vErrors === null){
vErrors = [err11];
}
else {
vErrors.push(err11);
}
errors++;
}
if(!pattern0.test(data3)){
const err12 = {instancePath:instancePath+"/metadata/name",schemaPath:"#/definitions/resourceName/pattern",keyword:"pattern",params:{pattern: "^[A-Za-z0-9._-]+$"},message:"must match pattern \""+"^[A-Za-z0-9._-]+$"+"\"",schema:"^[A-Za-z0-9._-]+$",parentSchema:schema12,data:data3};
if(vErrors === null){
vErrors = [err12];
}
else {
vErrors.push(err12);
}
errors++;
}
}
else {
const err13 = {instancePath:instancePath+"/metadata/name",schemaPath:"#/definitions/resourceName/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema12.type,parentSchema:schema12,data:data3};
if(vErrors === null){
vErrors = [err13];
}
else {
vErrors.push(err13);
}
errors++;
}
}
}
else {
const err14 = {instancePath:instancePath+"/metadata",schemaPath:"#/properties/metadata/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema11.properties.metadata.type,parentSchema:schema11.properties.metadata,data:data2};
if(vErrors === null){
vErrors = [err14];
}
else {
vErrors.push(err14);
}
errors++;
}
}
if(data.sites !== undefined){
let data4 = data.sites;
if(data4 && typeof data4 == "object" && !Array.isArray(data4)){
if(Object.keys(data4).length > 2){
const err15 = {instancePath:instancePath+"/sites",schemaPath:"#/properties/sites/maxProperties",keyword:"maxProperties",params:{limit: 2},message:"must NOT have more than 2 properties",schema:2,parentSchema:schema11.properties.sites,data:data4};
if(vErrors === null){
vErrors = [err15];
}
else {
vErrors.push(err15);
}
errors++;
}
if(Object.keys(data4).length < 2){
const err16 = {instancePath:instancePath+"/sites",schemaPath:"#/properties/sites/minProperties",keyword:"minProperties",params:{limit: 2},message:"must NOT have fewer than 2 properties",schema:2,parentSchema:schema11.properties.sites,data:data4};
if(vErrors === null){
vErrors = [err16];
}
else {
vErrors.push(err16);
}
errors++;
}
for(const key2 in data4){
const _errs12 = errors;
if(typeof key2 === "string"){
if(func2(key2) > 63){
const err17 = {instancePath:instancePath+"/sites",schemaPath:"#/definitions/resourceName/maxLength",keyword:"maxLength",params:{limit: 63},message:"must NOT have more than 63 characters",schema:63,parentSchema:schema12,data:key2,propertyName:key2};
if(vErrors === null){
vErrors = [err17];
}
else {
vErrors.push(err17);
}
errors++;
}
if(func2(key2) < 1){
const err18 = {instancePath:instancePath+"/sites",schemaPath:"#/definitions/resourceName/minLength",keyword:"minLength",params:{limit: 1},message:"must NOT have fewer than 1 characters",schema:1,parentSchema:schema12,data:key2,propertyName:key2};
if(vErrors === null){
vErrors = [err18];
}
else {
vErrors.push(err18);
}
errors++;
}
if(!pattern0.test(key2)){
const err19 = {instancePath:instancePath+"/sites",schemaPath:"#/definitions/resourceName/pattern",keyword:"pattern",params:{pattern: "^[A-Za-z0-9._-]+$"},message:"must match pattern \""+"^[A-Za-z0-9._-]+$"+"\"",schema:"^[A-Za-z0-9._-]+$",parentSchema:schema12,data:key2,propertyName:key2};
if(vErrors === null){
vErrors = [err19];
}
else {
vErrors.push(err19);
}
errors++;
}
}
else {
const err20 = {instancePath:instancePath+"/sites",schemaPath:"#/definitions/resourceName/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema12.type,parentSchema:schema12,data:key2,propertyName:key2};
if(vErrors === null){
vErrors = [err20];
}
else {
vErrors.push(err20);
}
errors++;
}
var valid3 = _errs12 === errors;
if(!valid3){
const err21 = {instancePath:instancePath+"/sites",schemaPath:"#/properties/sites/propertyNames",keyword:"propertyNames",params:{propertyName: key2},message:"property name must be valid",schema:schema11.properties.sites.propertyNames,parentSchema:schema11.properties.sites,data:data4};
if(vErrors === null){
vErrors = [err21];
}
else {
vErrors.push(err21);
}
errors++;
}
}
for(const key3 in data4){
if(!(validate11(data4[key3], {instancePath:instancePath+"/sites/" + key3.replace(/~/g, "~0").replace(/\//g, "~1"),parentData:data4,parentDataProperty:key3,rootData}))){
vErrors = vErrors === null ? validate11.errors : vErrors.concat(validate11.errors);
errors = vErrors.length;
}
}
}
else {
const err22 = {instancePath:instancePath+"/sites",schemaPath:"#/properties/sites/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema11.properties.sites.type,parentSchema:schema11.properties.sites,data:data4};
if(vErrors === null){
vErrors = [err22];
}
else {
vErrors.push(err22);
}
errors++;
}
}
if(data.groups !== undefined){
let data6 = data.groups;
if(data6 && typeof data6 == "object" && !Array.isArray(data6)){
if(Object.keys(data6).length < 1){
const err23 = {instancePath:instancePath+"/groups",schemaPath:"#/properties/groups/minProperties",keyword:"minProperties",params:{limit: 1},message:"must NOT have fewer than 1 properties",schema:1,parentSchema:schema11.properties.groups,data:data6};
if(vErrors === null){
vErrors = [err23];
}
else {
vErrors.push(err23);
}
errors++;
}
for(const key4 in data6){
const _errs19 = errors;
if(typeof key4 === "string"){
if(func2(key4) > 63){
const err24 = {instancePath:instancePath+"/groups",schemaPath:"#/definitions/resourceName/maxLength",keyword:"maxLength",params:{limit: 63},message:"must NOT have more than 63 characters",schema:63,parentSchema:schema12,data:key4,propertyName:key4};
if(vErrors === null){
vErrors = [err24];
}
else {
vErrors.push(err24);
}
errors++;
}
if(func2(key4) < 1){
const err25 = {instancePath:instancePath+"/groups",schemaPath:"#/definitions/resourceName/minLength",keyword:"minLength",params:{limit: 1},message:"must NOT have fewer than 1 characters",schema:1,parentSchema:schema12,data:key4,propertyName:key4};
if(vErrors === null){
vErrors = [err25];
}
else {
vErrors.push(err25);
}
errors++;
}
if(!pattern0.test(key4)){
const err26 = {instancePath:instancePath+"/groups",schemaPath:"#/definitions/resourceName/pattern",keyword:"pattern",params:{pattern: "^[A-Za-z0-9._-]+$"},message:"must match pattern \""+"^[A-Za-z0-9._-]+$"+"\"",schema:"^[A-Za-z0-9._-]+$",parentSchema:schema12,data:key4,propertyName:key4};
if(vErrors === null){
vErrors = [err26];
}
else {
vErrors.push(err26);
}
errors++;
}
}
else {
const err27 = {instancePath:instancePath+"/groups",schemaPath:"#/definitions/resourceName/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema12.type,parentSchema:schema12,data:key4,propertyName:key4};
if(vErrors === null){
vErrors = [err27];
}
else {
vErrors.push(err27);
}
errors++;
}
var valid6 = _errs19 === errors;
if(!valid6){
const err28 = {instancePath:instancePath+"/groups",schemaPath:"#/properties/groups/propertyNames",keyword:"propertyNames",params:{propertyName: key4},message:"property name must be valid",schema:schema11.properties.groups.propertyNames,parentSchema:schema11.properties.groups,data:data6};
if(vErrors === null){
vErrors = [err28];
}
else {
vErrors.push(err28);
}
errors++;
}
}
for(const key5 in data6){
if(!(validate19(data6[key5], {instancePath:instancePath+"/groups/" + key5.replace(/~/g, "~0").replace(/\//g, "~1"),parentData:data6,parentDataProperty:key5,rootData}))){
vErrors = vErrors === null ? validate19.errors : vErrors.concat(validate19.errors);
errors = vErrors.length;
}
}
}
else {
const err29 = {instancePath:instancePath+"/groups",schemaPath:"#/properties/groups/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema11.properties.groups.type,parentSchema:schema11.properties.groups,data:data6};
if(vErrors === null){
vErrors = [err29];
}
else {
vErrors.push(err29);
}
errors++;
}
}
}
else {
const err30 = {instancePath,schemaPath:"#/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema11.type,parentSchema:schema11,data};
if(vErrors === null){
vErrors = [err30];
}
else {
vErrors.push(err30);
}
errors++;
}
validate10.errors = vErrors;
return errors === 0;
}

