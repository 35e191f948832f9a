struct foo { int u; };
struct foo *another_global;
struct amb { int one; };
struct amb amb1;
struct mixed { long m; };
struct mixed mixed1;
