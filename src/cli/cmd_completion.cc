// skewgate completion bash|zsh: a shell completion script for skewgate and kubectl-skewgate
// (kubectl >= 1.26 also completes `kubectl skewgate` through kubectl_complete-skewgate).
// ModelDeployment names are completed by asking kubectl, with the -n given on the line.
#include <iostream>

#include "cli/command.h"
#include "cli/commands_decl.h"
#include "common/flags.h"

namespace skewgate::cli {

namespace {

std::string CommandNames() {
  std::string names;
  for (const auto& c : AllCommands()) names += (names.empty() ? "" : " ") + std::string(c.name);
  return names;
}

std::string Bash() {
  std::string script = R"SH(# skewgate bash completion: source <(skewgate completion bash)
_skewgate() {
  local cur prev
  cur="${COMP_WORDS[COMP_CWORD]}"; prev="${COMP_WORDS[COMP_CWORD-1]}"
  local cmds="@COMMANDS@"
  local flags="--help --namespace -n --context --kubeconfig --all-namespaces -A --watch -w --output -o --timeout --full --to-revision"
  if [ "$COMP_CWORD" -eq 1 ]; then COMPREPLY=($(compgen -W "$cmds" -- "$cur")); return; fi
  case "$prev" in
    -o|--output) COMPREPLY=($(compgen -W "json yaml" -- "$cur")); return ;;
    -n|--namespace) COMPREPLY=($(compgen -W "$(kubectl get namespaces -o name 2>/dev/null | sed 's|^namespace/||')" -- "$cur")); return ;;
    --context) COMPREPLY=($(compgen -W "$(kubectl config get-contexts -o name 2>/dev/null)" -- "$cur")); return ;;
    completion) COMPREPLY=($(compgen -W "bash zsh" -- "$cur")); return ;;
  esac
  if [[ "$cur" == -* ]]; then COMPREPLY=($(compgen -W "$flags" -- "$cur")); return; fi
  case "${COMP_WORDS[1]}" in
    get|status|promote|abort|retry|undo|pause|resume|history|skew)
      local ns=() i
      for ((i = 1; i < COMP_CWORD; i++)); do
        case "${COMP_WORDS[i]}" in -n|--namespace) ns=(-n "${COMP_WORDS[i+1]}") ;; esac
      done
      COMPREPLY=($(compgen -W "$(kubectl get modeldeployments.skewgate.io "${ns[@]}" -o name 2>/dev/null | sed 's|^.*/||')" -- "$cur")) ;;
    *) COMPREPLY=($(compgen -f -- "$cur")) ;;
  esac
}
complete -F _skewgate skewgate kubectl-skewgate
)SH";
  const std::string placeholder = "@COMMANDS@";
  return script.replace(script.find(placeholder), placeholder.size(), CommandNames());
}

std::string Zsh() {
  return "#compdef skewgate kubectl-skewgate\n"
         "# skewgate zsh completion: source <(skewgate completion zsh)\n"
         "autoload -U +X bashcompinit && bashcompinit\n" +
         Bash();
}

}  // namespace

int RunCompletion(const std::vector<std::string>& args) {
  FlagSet f("skewgate completion bash|zsh",
            "Print a shell completion script. bash: source <(skewgate completion bash);\n"
            "zsh: source <(skewgate completion zsh). Completes commands, flags and names.");
  if (auto exit = ParseFlags(f, args)) return *exit;
  if (f.positional().size() != 1 || (f.positional()[0] != "bash" && f.positional()[0] != "zsh")) {
    std::cerr << "error: expected one shell: bash or zsh\n\n" << f.Usage();
    return 2;
  }
  std::cout << (f.positional()[0] == "bash" ? Bash() : Zsh());
  return 0;
}

}  // namespace skewgate::cli
