-- Argo CD health check for skewgate.io/ModelDeployment.
-- Install it under resource.customizations.health.skewgate.io_ModelDeployment in the
-- argocd-cm ConfigMap (docs/gitops.md). It reads only what the controller writes in
-- status (the spec is never written by the controller, so Git never drifts):
--   Healthy     phase Healthy and Ready=True for the current generation
--   Progressing not yet observed, a canary in flight, or a new generation pending
--   Suspended   phase Paused: a manual gate (`kubectl skewgate promote`), spec.paused,
--               or too many inconclusive analysis runs — waiting for a human
--   Degraded    phase Degraded, Degraded=True or InvalidSpec=True (rolled back, invalid)
-- tests/e2e/argocd runs this file with lua5.4 against status objects in each phase.
local hs = { status = "Progressing", message = "Waiting for the skewgate controller" }

local function condition(status, type_)
  if status.conditions == nil then return nil end
  for _, c in ipairs(status.conditions) do
    if c.type == type_ then return c end
  end
  return nil
end

local function is_true(c) return c ~= nil and c.status == "True" end

local function describe(status, fallback)
  if status.message ~= nil and status.message ~= "" then return status.message end
  return fallback
end

if obj.status == nil then
  return hs
end
local status = obj.status
local generation = (obj.metadata ~= nil and obj.metadata.generation) or 0
local observed = status.observedGeneration or 0

-- A failure the controller has reported stays visible even while a newer generation is
-- being picked up: InvalidSpec is terminal until the spec changes.
local invalid = condition(status, "InvalidSpec")
if is_true(invalid) and observed >= generation then
  hs.status = "Degraded"
  hs.message = "Invalid spec: " .. (invalid.message or "")
  return hs
end

if observed < generation then
  hs.status = "Progressing"
  hs.message = "Waiting for the controller to observe generation " .. tostring(generation)
  return hs
end

local phase = status.phase or ""
local degraded = condition(status, "Degraded")
if phase == "Degraded" or is_true(degraded) then
  hs.status = "Degraded"
  local why = (degraded ~= nil and degraded.message) or ""
  hs.message = describe(status, "Rollout degraded: " .. why)
  return hs
end

if phase == "Paused" then
  hs.status = "Suspended"
  local paused = condition(status, "Paused")
  local reason = (paused ~= nil and paused.reason) or "Paused"
  hs.message = reason .. ": " .. describe(status, "waiting for `kubectl skewgate promote`")
  return hs
end

local ready = condition(status, "Ready")
if phase == "Healthy" and is_true(ready) then
  hs.status = "Healthy"
  hs.message = describe(status, "Revision " .. (status.stableRevision or "") .. " serves all traffic")
  return hs
end

if phase == "Progressing" then
  hs.status = "Progressing"
  local step = status.currentStepIndex or 0
  local weight = status.canaryWeight or 0
  hs.message = describe(status, "Canary " .. (status.canaryRevision or "") .. " at step " ..
    tostring(step) .. ", weight " .. tostring(weight) .. "%")
  return hs
end

hs.status = "Progressing"
hs.message = describe(status, "Waiting for the skewgate controller")
return hs
