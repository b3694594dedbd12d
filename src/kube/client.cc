#include "kube/client.h"

namespace skewgate::kube {

StatusOr<ListResult> ListAll(Client& client, const ResourceType& type, std::string_view ns,
                             ListOptions options) {
  ListResult all;
  bool first = true;
  do {
    SG_ASSIGN_OR_RETURN(ListResult page, client.List(type, ns, options));
    if (first) all.resource_version = page.resource_version;
    first = false;
    for (auto& item : page.items) all.items.push_back(std::move(item));
    options.continue_token = page.continue_token;
  } while (!options.continue_token.empty());
  return all;
}

}  // namespace skewgate::kube
