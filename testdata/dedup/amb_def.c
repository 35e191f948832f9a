/* a second, different struct amb: the name is ambiguous */
struct amb { char two[3]; long three; };
struct amb amb2;
