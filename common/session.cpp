#include "common/session.hpp"

namespace maild {

bool ConnectionInfo::loopback() const {
    return peer_address == "::1" || peer_address.rfind("127.", 0) == 0 || peer_address.rfind("::ffff:127.", 0) == 0;
}

}  // namespace maild
