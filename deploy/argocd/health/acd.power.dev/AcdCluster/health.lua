-- Argo CD health check for acd.power.dev/AcdCluster.
--
-- Install it as `resource.customizations.health.acd.power.dev_AcdCluster` in argocd-cm.
-- Custom checks there run in gopher-lua (Lua 5.1) with only the base, table and package
-- libraries and a "safe" os (time, date) opened, unless useOpenLibs is set. So this script
-- uses no `string` library and no string methods (s:sub(), s:find(), ...): strings have no
-- metatable there. Only `..`, `tostring`, `tonumber`, `type`, `ipairs` and `#`.
--
-- Precedence (first match wins):
--   1. spec.paused                                   -> Suspended
--   2. no status / status.observedGeneration behind  -> Progressing (conditions are stale)
--   3. InvalidSpec, Stalled, ActiveUnknown = True    -> Degraded
--      (before Reconciling: a stalled transition keeps Reconciling=True, and showing it as
--      Progressing would hide a shutdown that no longer moves)
--   4. Reconciling = True                            -> Progressing, with the running stage
--   5. Degraded = True, Healthy = False              -> Degraded
--      (after Reconciling: while VMs boot, health checks fail for a while by design)
--   6. Ready = True                                  -> Healthy, for On AND for Off (scheduled too)
--   7. anything else                                 -> Progressing
--
-- Why a deliberately Off cluster is Healthy and not Suspended: Argo CD's bundled
-- kubevirt.io/VirtualMachine check used to report a VM stopped on purpose as Suspended
-- (argoproj/argo-cd#29663, fixed 2026). A sync that spans waves only finishes a task on
-- Healthy or Degraded, so Suspended parked the sync operation forever. Off is a requested,
-- reached state; Suspended is kept for spec.paused, where the operator really waits for a human.

local function str(v)
  if v == nil then
    return ""
  end
  return tostring(v)
end

-- Call tonumber only with a value: how it treats an explicit nil argument is an implementation
-- detail of the Lua runtime (PUC Lua 5.1 here, gopher-lua in Argo CD).
local function num(v)
  if v == nil then
    return nil
  end
  return tonumber(v)
end

local function condition(status, ctype)
  if status == nil or type(status.conditions) ~= "table" then
    return nil
  end
  for _, c in ipairs(status.conditions) do
    if type(c) == "table" and c.type == ctype then
      return c
    end
  end
  return nil
end

local function isTrue(status, ctype)
  local c = condition(status, ctype)
  return c ~= nil and c.status == "True"
end

local function isFalse(status, ctype)
  local c = condition(status, ctype)
  return c ~= nil and c.status == "False"
end

-- "<Label>: <message>", falling back to the reason when the message is empty.
local function describe(label, c)
  local text = str(c.message)
  if text == "" then
    text = str(c.reason)
  end
  if text == "" then
    return label
  end
  return label .. ": " .. text
end

-- The first table in `list` for which ok(item) holds; nil if none (or `list` is not a table).
local function firstWhere(list, ok)
  if type(list) ~= "table" then
    return nil
  end
  for _, x in ipairs(list) do
    if type(x) == "table" and ok(x) then
      return x
    end
  end
  return nil
end

-- The stage a transition is working on: the first InProgress one, else the first not yet
-- Completed (a stage that waits on its gate is still InProgress; Pending comes after it).
local function currentStage(transition)
  if type(transition) ~= "table" then
    return nil
  end
  return firstWhere(transition.stages, function(s) return s.state == "InProgress" end)
    or firstWhere(transition.stages, function(s) return s.state ~= "Completed" end)
end

-- A gate of spec.gates that holds the transition (before the first stop, after the last start).
local function waitingGate(transition)
  if type(transition) ~= "table" then
    return false
  end
  return firstWhere(transition.gates, function(g) return g.state == "Waiting" end) ~= nil
end

local function progressMessage(status)
  local phase = str(status.phase)
  local transition = status.transition
  -- While a gate waits, no stage moves: the Reconciling message names the gate and its last value.
  local reconciling = condition(status, "Reconciling")
  if waitingGate(transition) and reconciling ~= nil and str(reconciling.message) ~= "" then
    return phase .. ": " .. str(reconciling.message)
  end
  if phase == "" and type(transition) == "table" then
    if transition.direction == "On" then
      phase = "Starting"
    elseif transition.direction == "Off" then
      phase = "Stopping"
    end
  end
  if phase == "" then
    phase = "Reconciling"
  end
  local msg = phase
  local stage = currentStage(transition)
  local counter = str(status.stage)
  if counter ~= "" then
    msg = msg .. ": stage " .. counter
  elseif stage ~= nil and num(stage.index) ~= nil then
    -- stages[].index is 0-based; people count stages from 1, as status.stage does.
    msg = msg .. ": stage " .. str(num(stage.index) + 1) .. "/" .. str(#transition.stages)
  end
  if stage ~= nil then
    if str(stage.name) ~= "" then
      if msg == phase then
        msg = msg .. ":"
      end
      msg = msg .. " " .. str(stage.name)
    end
    if str(stage.message) ~= "" then
      msg = msg .. " (" .. str(stage.message) .. ")"
    end
  elseif msg == phase then
    -- No stage information: the Reconciling condition is the best we have.
    local c = condition(status, "Reconciling")
    if c ~= nil and str(c.message) ~= "" then
      msg = msg .. ": " .. str(c.message)
    end
  end
  return msg
end

local function assess(o)
  local spec = o.spec
  if type(spec) == "table" and spec.paused == true then
    local msg = "Paused: the operator leaves this ACD alone until spec.paused is false"
    if type(o.status) == "table" and str(o.status.phase) ~= "" then
      msg = msg .. " (phase " .. str(o.status.phase) .. ")"
    end
    return { status = "Suspended", message = msg }
  end

  local status = o.status
  if type(status) ~= "table" then
    return { status = "Progressing", message = "Waiting for the operator to report status" }
  end

  local generation = nil
  if type(o.metadata) == "table" then
    generation = num(o.metadata.generation)
  end
  local observed = num(status.observedGeneration)
  if generation ~= nil and (observed == nil or observed < generation) then
    return {
      status = "Progressing",
      message = "Waiting for the operator to observe generation " .. str(generation)
        .. " (observed " .. (observed ~= nil and str(observed) or "none") .. ")",
    }
  end

  local blocking = { "InvalidSpec", "Stalled", "ActiveUnknown" }
  for _, ctype in ipairs(blocking) do
    if isTrue(status, ctype) then
      return { status = "Degraded", message = describe(ctype, condition(status, ctype)) }
    end
  end

  if isTrue(status, "Reconciling") then
    return { status = "Progressing", message = progressMessage(status) }
  end

  if isTrue(status, "Degraded") then
    return { status = "Degraded", message = describe("Degraded", condition(status, "Degraded")) }
  end
  if isFalse(status, "Healthy") then
    return { status = "Degraded", message = describe("Unhealthy", condition(status, "Healthy")) }
  end

  if isTrue(status, "Ready") then
    local power = str(status.power)
    if power == "" then
      power = str(status.phase)
    end
    local msg = power
    if str(status.readyVMs) ~= "" then
      msg = msg .. ": " .. str(status.readyVMs) .. " VMs ready"
    end
    local schedule = status.schedule
    if type(spec) == "table" and spec.powerState == "Scheduled" and type(schedule) == "table" then
      -- A scheduled Off is as healthy as a requested one; say what decided and what comes next.
      msg = msg .. " (scheduled " .. str(schedule.desired) .. " by " .. str(schedule.source)
      if type(schedule.nextTransition) == "table" then
        msg = msg .. "; next: " .. str(schedule.nextTransition.powerState) .. " at " .. str(schedule.nextTransition.at)
      end
      msg = msg .. ")"
    elseif power == "Off" then
      msg = msg .. " (powered off as requested)"
    end
    return { status = "Healthy", message = msg }
  end

  local ready = condition(status, "Ready")
  if ready ~= nil then
    return { status = "Progressing", message = describe("Not ready", ready) }
  end
  return { status = "Progressing", message = "Waiting for the Ready condition" }
end

return assess(obj)
