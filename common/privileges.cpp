#include "common/privileges.hpp"

#include <grp.h>
#include <pwd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "common/log.hpp"

namespace maild {

void drop_privileges(const std::optional<std::string>& user, const std::optional<std::string>& group) {
    if (!user) {
        if (group) throw PrivilegeError("--group needs --user");
        if (::geteuid() == 0)
            log::warn(0, "event=running-as-root hint=\"set --user (e.g. maild) to drop root after binding\"");
        return;
    }
    std::vector<char> buffer(16384);
    passwd pw{};
    passwd* found = nullptr;
    if (getpwnam_r(user->c_str(), &pw, buffer.data(), buffer.size(), &found) != 0 || !found) {
        throw PrivilegeError("--user " + *user + ": no such user (create it, e.g. adduser --system " + *user + ")");
    }
    gid_t gid = pw.pw_gid;
    if (group) {
        std::vector<char> group_buffer(16384);
        struct group gr {};
        struct group* group_found = nullptr;
        if (getgrnam_r(group->c_str(), &gr, group_buffer.data(), group_buffer.size(), &group_found) != 0 ||
            !group_found) {
            throw PrivilegeError("--group " + *group + ": no such group");
        }
        gid = gr.gr_gid;
    }
    if (::geteuid() != 0) {
        if (::geteuid() == pw.pw_uid) return;  // already that user
        throw PrivilegeError("--user " + *user + ": only root can switch users; start as root or drop --user");
    }
    if (::initgroups(pw.pw_name, gid) != 0 || ::setgid(gid) != 0 || ::setuid(pw.pw_uid) != 0) {
        throw PrivilegeError("cannot switch to user " + *user + ": " + std::strerror(errno));
    }
    if (::setuid(0) == 0 || ::geteuid() == 0)
        throw PrivilegeError("root privileges could be regained; refusing to run");
    log::info(0, "event=privileges-dropped user=" + *user + " uid=" + std::to_string(pw.pw_uid) +
                     " gid=" + std::to_string(gid));
}

}  // namespace maild
