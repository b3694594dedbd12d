// Condition types, condition reasons and Event reasons of a ModelDeployment, in one place.
// The status is shaped for the tools that already read Kubernetes objects:
//   - kstatus (Flux, kpt, cli-utils): observedGeneration + Reconciling / Stalled
//     (abnormal-true: True means "in progress" / "failed");
//   - `kubectl wait --for=condition=Ready`: Ready is True exactly when one revision
//     serves all traffic, the spec is valid and nothing is pending;
//   - humans: Progressing / Degraded / Paused / InvalidSpec and the phase.
//
//   SetCondition(&status, kConditionReady, kConditionFalse, kReasonRolloutInProgress, msg);
//   Recorder.Event(md, kEventNormal, kEventReasonStepAdvanced, "step 2/5: setWeight 50");
#pragma once

namespace skewgate::api {

// ---- condition status values (metav1.ConditionStatus)
inline constexpr const char* kConditionTrue = "True";
inline constexpr const char* kConditionFalse = "False";
inline constexpr const char* kConditionUnknown = "Unknown";

// ---- condition types
// True: the rollout is complete and healthy (phase Healthy). What `kubectl wait` and
// Argo CD's health checks should look at.
inline constexpr const char* kConditionReady = "Ready";
// True while a canary is in flight (phase Progressing or Paused by a step).
inline constexpr const char* kConditionProgressing = "Progressing";
// True when the newest revision could not be rolled out (aborted, deadline exceeded).
inline constexpr const char* kConditionDegraded = "Degraded";
// True while the rollout waits for a human or for spec.paused to be cleared.
inline constexpr const char* kConditionPaused = "Paused";
// True when the spec breaks a rule the API server could not check (api/validation.h).
// Terminal until the spec changes: the controller does not retry it in a loop.
inline constexpr const char* kConditionInvalidSpec = "InvalidSpec";
// kstatus: True while the controller is still converging on the current generation.
inline constexpr const char* kConditionReconciling = "Reconciling";
// kstatus: True when progress is impossible without a change (Degraded or InvalidSpec).
inline constexpr const char* kConditionStalled = "Stalled";

// ---- condition reasons (CamelCase, as metav1.Condition requires)
inline constexpr const char* kReasonRolloutComplete = "RolloutComplete";      // Ready=True
inline constexpr const char* kReasonRolloutInProgress = "RolloutInProgress";  // Ready=False
inline constexpr const char* kReasonNewRevision = "NewRevision";              // Progressing=True
inline constexpr const char* kReasonStepInProgress = "StepInProgress";
inline constexpr const char* kReasonAnalysisRunning = "AnalysisRunning";
inline constexpr const char* kReasonPromoted = "Promoted";              // canary became stable
inline constexpr const char* kReasonAnalysisFailed = "AnalysisFailed";  // Degraded=True
inline constexpr const char* kReasonAbortedByUser = "AbortedByUser";
inline constexpr const char* kReasonProgressDeadlineExceeded = "ProgressDeadlineExceeded";
inline constexpr const char* kReasonModelDigestMismatch = "ModelDigestMismatch";
inline constexpr const char* kReasonBaselineNotFound = "BaselineNotFound";
inline constexpr const char* kReasonBaselineInvalid = "BaselineInvalid";
inline constexpr const char* kReasonManualGate = "ManualGate";  // Paused=True
inline constexpr const char* kReasonSpecPaused = "SpecPaused";
inline constexpr const char* kReasonInconclusiveLimit = "InconclusiveLimitReached";
inline constexpr const char* kReasonNotPaused = "NotPaused";                // Paused=False
inline constexpr const char* kReasonValidationFailed = "ValidationFailed";  // InvalidSpec
inline constexpr const char* kReasonSpecValid = "SpecValid";                // InvalidSpec=False
inline constexpr const char* kReasonReconciled = "Reconciled";              // Reconciling=False

// ---- Event types and reasons (core/v1 Event.type / .reason)
inline constexpr const char* kEventNormal = "Normal";
inline constexpr const char* kEventWarning = "Warning";

inline constexpr const char* kEventReasonRevisionCreated = "RevisionCreated";
inline constexpr const char* kEventReasonStepAdvanced = "StepAdvanced";
inline constexpr const char* kEventReasonWeightChanged = "WeightChanged";
inline constexpr const char* kEventReasonShadowStarted = "ShadowStarted";
inline constexpr const char* kEventReasonAnalysisSucceeded = "AnalysisSucceeded";
inline constexpr const char* kEventReasonAnalysisFailed = "AnalysisFailed";              // Warning
inline constexpr const char* kEventReasonAnalysisInconclusive = "AnalysisInconclusive";  // Warning
inline constexpr const char* kEventReasonPaused = "Paused";
inline constexpr const char* kEventReasonResumed = "Resumed";
inline constexpr const char* kEventReasonPromoted = "Promoted";
inline constexpr const char* kEventReasonAborted = "Aborted";  // Warning
inline constexpr const char* kEventReasonRolledBack = "RolledBack";
inline constexpr const char* kEventReasonGateAcknowledged = "GateAcknowledged";
inline constexpr const char* kEventReasonGateRejected = "GateRejected";  // Warning
inline constexpr const char* kEventReasonInvalidSpec = "InvalidSpec";    // Warning
inline constexpr const char* kEventReasonProgressDeadlineExceeded =
    "ProgressDeadlineExceeded";                                                        // Warning
inline constexpr const char* kEventReasonModelDigestMismatch = "ModelDigestMismatch";  // Warning
inline constexpr const char* kEventReasonBaselineChanged = "BaselineChanged";

// ---- gate results written by the controller into status.gates.*.result
inline constexpr const char* kGateAccepted = "Accepted";
inline constexpr const char* kGateRejectedPrefix = "Rejected: ";

}  // namespace skewgate::api
