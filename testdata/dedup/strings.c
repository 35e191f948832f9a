/* The same member names in many types; names equal to type names. */
struct a { int x; int y; int a; };
struct b { int x; int y; struct a a; };
struct c { struct a a; struct b b; int x; };
typedef struct c c;
typedef struct c x;
c cvar;
x xvar;
struct b bvar;
