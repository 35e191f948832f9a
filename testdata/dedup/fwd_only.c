/* FWDs that only resolve in the leftover-FWD pass (unique name), or never (ambiguous name, or a
 * struct/union mismatch). */
struct foo;
struct foo *some_global;
struct amb;
struct amb *amb_ptr;
union mixed;
union mixed *mixed_ptr;
struct never_defined;
struct never_defined *nd_ptr;
